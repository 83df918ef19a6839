import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createPostgresAuditTrigger, dropPostgresAuditTrigger } from "../../../audit/audit-triggers";

/** The new tables are audited like the rest; their secrets are masked in the trail. */
const AUDITED: AuditedTable[] = [
    { table: "cap_source", redact: ["tokenHash"] },
    { table: "cap_rule" },
    { table: "cap_alert" },
    { table: "station_enrolment", redact: ["codeHash"] },
];

export class StationEnrolmentCapAlerts1796419096383 implements MigrationInterface {
    name = 'StationEnrolmentCapAlerts1796419096383'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "cap_source" ("id" character varying NOT NULL, "name" character varying(200) NOT NULL, "tokenHash" character varying(64) NOT NULL, "createdBy" character varying, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_03747dccf46e267faf774222dab" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_cap_source_tokenHash" ON "cap_source"  ("tokenHash") `);
        await queryRunner.query(`CREATE TABLE "cap_rule" ("id" character varying NOT NULL, "name" character varying(200) NOT NULL, "severities" text NOT NULL, "urgencies" text NOT NULL, "events" text NOT NULL, "unitId" character varying NOT NULL, "mode" character varying(10) NOT NULL, "repeatHours" integer, "createdBy" character varying NOT NULL, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_b3acebcaa162ace337bb621d00f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "cap_alert" ("id" character varying NOT NULL, "identifier" character varying(300) NOT NULL, "sender" character varying(300) NOT NULL, "sent" character varying(40) NOT NULL, "msgType" character varying(10) NOT NULL, "status" character varying(10) NOT NULL, "decision" character varying(20) NOT NULL, "reason" character varying(1000), "event" character varying(300) NOT NULL, "severity" character varying(20) NOT NULL, "urgency" character varying(20) NOT NULL, "spokenText" text NOT NULL, "unitIds" text NOT NULL, "ruleId" character varying, "relayId" character varying, "references" character varying(2000), "expiresAt" TIMESTAMP WITH TIME ZONE, "origin" character varying(2000) NOT NULL, "approvedBy" character varying, "receivedAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7ed8ede6e7de044909c0c62404e" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_cap_alert_relayId" ON "cap_alert"  ("relayId") `);
        await queryRunner.query(`CREATE INDEX "IDX_cap_alert_receivedAt" ON "cap_alert"  ("receivedAt") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_cap_alert_key" ON "cap_alert"  ("sender", "identifier", "sent") `);
        await queryRunner.query(`CREATE TABLE "station_enrolment" ("id" character varying NOT NULL, "stationId" character varying NOT NULL, "codeHash" character varying(64) NOT NULL, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, "expiresAt" TIMESTAMP WITH TIME ZONE NOT NULL, "usedAt" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_f4d6546628532dd8833a8a6d9cf" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_b5261f664475f160e75eca246e" ON "station_enrolment"  ("stationId") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_fe907aec3ac1f292baa80c9df5" ON "station_enrolment"  ("codeHash") `);
        await queryRunner.query(`ALTER TABLE "station" ADD "enrolledAt" TIMESTAMP WITH TIME ZONE`);
        for (const spec of AUDITED) await createPostgresAuditTrigger(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of AUDITED) await dropPostgresAuditTrigger(queryRunner, spec.table);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "enrolledAt"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_fe907aec3ac1f292baa80c9df5"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_b5261f664475f160e75eca246e"`);
        await queryRunner.query(`DROP TABLE "station_enrolment"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_cap_alert_key"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_cap_alert_receivedAt"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_cap_alert_relayId"`);
        await queryRunner.query(`DROP TABLE "cap_alert"`);
        await queryRunner.query(`DROP TABLE "cap_rule"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_cap_source_tokenHash"`);
        await queryRunner.query(`DROP TABLE "cap_source"`);
    }

}
