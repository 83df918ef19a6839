import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/**
 * Station health kept beside the agent's state, and the alerts: the alerts themselves and their outbox are
 * written by the evaluator and the sender (not audited); who is told of them is a setting people change,
 * audited with its webhook key masked.
 */
export const AUDITED: AuditedTable[] = [{ table: "alert_subscription", redact: ["secret"] }];

export class AlertsHealth1796423906801 implements MigrationInterface {
    name = 'AlertsHealth1796423906801'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "alert" ("id" varchar PRIMARY KEY NOT NULL, "key" varchar(300) NOT NULL, "kind" varchar(30) NOT NULL, "severity" varchar(10) NOT NULL, "state" varchar(10) NOT NULL, "stationId" varchar, "unitId" varchar, "title" varchar(300) NOT NULL, "detail" varchar(1000) NOT NULL, "since" varchar(24) NOT NULL, "firedAt" varchar(24), "resolvedAt" varchar(24))`);
        await queryRunner.query(`CREATE INDEX "IDX_alert_station_state" ON "alert" ("stationId", "state") `);
        await queryRunner.query(`CREATE INDEX "IDX_alert_state_key" ON "alert" ("state", "key") `);
        await queryRunner.query(`CREATE TABLE "alert_subscription" ("id" varchar PRIMARY KEY NOT NULL, "channel" varchar(10) NOT NULL, "target" varchar(500) NOT NULL, "secret" varchar(100), "unitId" varchar, "kinds" text, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_5e018594e50d496f6228d20f63" ON "alert_subscription" ("unitId") `);
        await queryRunner.query(`CREATE TABLE "alert_delivery" ("id" varchar PRIMARY KEY NOT NULL, "alertId" varchar NOT NULL, "subscriptionId" varchar NOT NULL, "event" varchar(10) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "nextAttemptAt" varchar(24) NOT NULL, "state" varchar(10) NOT NULL, "lastError" varchar(1000), "createdAt" varchar(24) NOT NULL, "sentAt" varchar(24))`);
        await queryRunner.query(`CREATE INDEX "IDX_alert_delivery_due" ON "alert_delivery" ("state", "nextAttemptAt") `);
        await queryRunner.query(`ALTER TABLE "station_agent_state" ADD COLUMN "health" text`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" ADD COLUMN "healthAt" varchar(24)`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" ADD COLUMN "output" text`);
        for (const spec of AUDITED) await createAuditTriggers(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of AUDITED) await dropAuditTriggers(queryRunner, spec.table);
        await queryRunner.query(`ALTER TABLE "station_agent_state" DROP COLUMN "output"`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" DROP COLUMN "healthAt"`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" DROP COLUMN "health"`);
        await queryRunner.query(`DROP INDEX "IDX_alert_delivery_due"`);
        await queryRunner.query(`DROP TABLE "alert_delivery"`);
        await queryRunner.query(`DROP INDEX "IDX_5e018594e50d496f6228d20f63"`);
        await queryRunner.query(`DROP TABLE "alert_subscription"`);
        await queryRunner.query(`DROP INDEX "IDX_alert_state_key"`);
        await queryRunner.query(`DROP INDEX "IDX_alert_station_state"`);
        await queryRunner.query(`DROP TABLE "alert"`);
    }

}
