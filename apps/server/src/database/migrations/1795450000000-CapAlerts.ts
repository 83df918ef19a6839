import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/** CAP sources and rules are settings people change, audited like the rest; alerts are the log itself. */
const AUDITED: AuditedTable[] = [
    { table: "cap_source", redact: ["tokenHash"] },
    { table: "cap_rule" },
    { table: "cap_alert" },
];

export class CapAlerts1795450000000 implements MigrationInterface {
    name = 'CapAlerts1795450000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "cap_source" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "tokenHash" varchar(64) NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_cap_source_tokenHash" ON "cap_source" ("tokenHash")`);
        await queryRunner.query(`CREATE TABLE "cap_rule" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "severities" text NOT NULL, "urgencies" text NOT NULL, "events" text NOT NULL, "unitId" varchar NOT NULL, "mode" varchar(10) NOT NULL, "repeatHours" integer, "createdBy" varchar NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE TABLE "cap_alert" ("id" varchar PRIMARY KEY NOT NULL, "identifier" varchar(300) NOT NULL, "sender" varchar(300) NOT NULL, "sent" varchar(40) NOT NULL, "msgType" varchar(10) NOT NULL, "status" varchar(10) NOT NULL, "decision" varchar(20) NOT NULL, "reason" varchar(1000), "event" varchar(300) NOT NULL, "severity" varchar(20) NOT NULL, "urgency" varchar(20) NOT NULL, "spokenText" text NOT NULL, "unitIds" text NOT NULL, "ruleId" varchar, "relayId" varchar, "references" varchar(2000), "expiresAt" varchar(24), "origin" varchar(2000) NOT NULL, "approvedBy" varchar, "receivedAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_cap_alert_key" ON "cap_alert" ("sender", "identifier", "sent")`);
        await queryRunner.query(`CREATE INDEX "IDX_cap_alert_relayId" ON "cap_alert" ("relayId")`);
        await queryRunner.query(`CREATE INDEX "IDX_cap_alert_receivedAt" ON "cap_alert" ("receivedAt")`);
        for (const spec of AUDITED) await createAuditTriggers(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of AUDITED) await dropAuditTriggers(queryRunner, spec.table);
        await queryRunner.query(`DROP INDEX "IDX_cap_alert_receivedAt"`);
        await queryRunner.query(`DROP INDEX "IDX_cap_alert_relayId"`);
        await queryRunner.query(`DROP INDEX "IDX_cap_alert_key"`);
        await queryRunner.query(`DROP TABLE "cap_alert"`);
        await queryRunner.query(`DROP TABLE "cap_rule"`);
        await queryRunner.query(`DROP INDEX "IDX_cap_source_tokenHash"`);
        await queryRunner.query(`DROP TABLE "cap_source"`);
    }

}
