import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

const STATION: AuditedTable = { table: "station", redact: ["tokenHash"], quiet: ["lastSeenAt", "agentVersion", "scheduleVersion"] };
const ENROLMENT: AuditedTable = { table: "station_enrolment", redact: ["codeHash"] };

export class StationEnrolment1795440000000 implements MigrationInterface {
    name = 'StationEnrolment1795440000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "station_enrolment" ("id" varchar PRIMARY KEY NOT NULL, "stationId" varchar NOT NULL, "codeHash" varchar(64) NOT NULL, "createdAt" varchar(24) NOT NULL, "expiresAt" varchar(24) NOT NULL, "usedAt" varchar(24))`);
        await queryRunner.query(`CREATE INDEX "IDX_b5261f664475f160e75eca246e" ON "station_enrolment" ("stationId") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_fe907aec3ac1f292baa80c9df5" ON "station_enrolment" ("codeHash") `);
        await queryRunner.query(`ALTER TABLE "station" ADD COLUMN "enrolledAt" varchar(24)`);
        // The station's triggers list its columns: renew them so the new one is recorded too.
        await createAuditTriggers(queryRunner, STATION);
        await createAuditTriggers(queryRunner, ENROLMENT);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, ENROLMENT.table);
        await dropAuditTriggers(queryRunner, STATION.table);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "enrolledAt"`);
        await createAuditTriggers(queryRunner, STATION);
        await queryRunner.query(`DROP INDEX "IDX_fe907aec3ac1f292baa80c9df5"`);
        await queryRunner.query(`DROP INDEX "IDX_b5261f664475f160e75eca246e"`);
        await queryRunner.query(`DROP TABLE "station_enrolment"`);
    }

}
