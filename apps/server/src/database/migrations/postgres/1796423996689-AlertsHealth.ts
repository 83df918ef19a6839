import { MigrationInterface, QueryRunner } from "typeorm";
import { createPostgresAuditTrigger, dropPostgresAuditTrigger } from "../../../audit/audit-triggers";
import { AUDITED } from "../1796423906801-AlertsHealth";

/** The twin of the SQLite migration: the alert tables, the station's health, and the subscriptions' audit trigger. */
export class AlertsHealth1796423996689 implements MigrationInterface {
    name = 'AlertsHealth1796423996689'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "alert" ("id" character varying NOT NULL, "key" character varying(300) NOT NULL, "kind" character varying(30) NOT NULL, "severity" character varying(10) NOT NULL, "state" character varying(10) NOT NULL, "stationId" character varying, "unitId" character varying, "title" character varying(300) NOT NULL, "detail" character varying(1000) NOT NULL, "since" TIMESTAMP WITH TIME ZONE NOT NULL, "firedAt" TIMESTAMP WITH TIME ZONE, "resolvedAt" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_ad91cad659a3536465d564a4b2f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_alert_station_state" ON "alert"  ("stationId", "state") `);
        await queryRunner.query(`CREATE INDEX "IDX_alert_state_key" ON "alert"  ("state", "key") `);
        await queryRunner.query(`CREATE TABLE "alert_subscription" ("id" character varying NOT NULL, "channel" character varying(10) NOT NULL, "target" character varying(500) NOT NULL, "secret" character varying(100), "unitId" character varying, "kinds" text, "createdBy" character varying, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_32cbf375c12e1a65d03eb604ae5" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_5e018594e50d496f6228d20f63" ON "alert_subscription"  ("unitId") `);
        await queryRunner.query(`CREATE TABLE "alert_delivery" ("id" character varying NOT NULL, "alertId" character varying NOT NULL, "subscriptionId" character varying NOT NULL, "event" character varying(10) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "nextAttemptAt" TIMESTAMP WITH TIME ZONE NOT NULL, "state" character varying(10) NOT NULL, "lastError" character varying(1000), "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, "sentAt" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c525535867340bf8eef9ac9721d" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_alert_delivery_due" ON "alert_delivery"  ("state", "nextAttemptAt") `);
        await queryRunner.query(`ALTER TABLE "station_agent_state" ADD "health" text`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" ADD "healthAt" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" ADD "output" text`);
        for (const spec of AUDITED) await createPostgresAuditTrigger(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of AUDITED) await dropPostgresAuditTrigger(queryRunner, spec.table);
        await queryRunner.query(`ALTER TABLE "station_agent_state" DROP COLUMN "output"`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" DROP COLUMN "healthAt"`);
        await queryRunner.query(`ALTER TABLE "station_agent_state" DROP COLUMN "health"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_alert_delivery_due"`);
        await queryRunner.query(`DROP TABLE "alert_delivery"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_5e018594e50d496f6228d20f63"`);
        await queryRunner.query(`DROP TABLE "alert_subscription"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_alert_state_key"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_alert_station_state"`);
        await queryRunner.query(`DROP TABLE "alert"`);
    }

}
