import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/**
 * Languages as data, programmes' versions in them, each station's language preference, and the version
 * a logbook line aired. The station's triggers list its columns, so they are renewed; the new tables are audited.
 */
const STATION: AuditedTable = { table: "station", redact: ["tokenHash"], quiet: ["lastSeenAt", "agentVersion", "scheduleVersion"] };
const NEW_TABLES: AuditedTable[] = [{ table: "language" }, { table: "programme_version" }];

export class LanguageVersions1796447656057 implements MigrationInterface {
    name = 'LanguageVersions1796447656057'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "language" ("code" varchar(20) PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE TABLE "programme_version" ("id" varchar PRIMARY KEY NOT NULL, "programmeId" varchar NOT NULL, "language" varchar(20) NOT NULL, "mediaAssetId" varchar NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_57028c589a8d505b028938e5d3" ON "programme_version" ("programmeId", "language") `);
        await queryRunner.query(`ALTER TABLE "station" ADD COLUMN "languages" varchar(250) NOT NULL DEFAULT ('')`);
        await queryRunner.query(`ALTER TABLE "logbook_line" ADD COLUMN "language" varchar(20)`);
        await createAuditTriggers(queryRunner, STATION);
        for (const spec of NEW_TABLES) await createAuditTriggers(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of NEW_TABLES) await dropAuditTriggers(queryRunner, spec.table);
        await dropAuditTriggers(queryRunner, STATION.table);
        await queryRunner.query(`ALTER TABLE "logbook_line" DROP COLUMN "language"`);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "languages"`);
        await queryRunner.query(`DROP INDEX "IDX_57028c589a8d505b028938e5d3"`);
        await queryRunner.query(`DROP TABLE "programme_version"`);
        await queryRunner.query(`DROP TABLE "language"`);
        await createAuditTriggers(queryRunner, STATION);
    }

}
