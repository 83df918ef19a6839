import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createPostgresAuditTrigger, dropPostgresAuditTrigger } from "../../../audit/audit-triggers";

/** Declared days off are audited; the widened tables' triggers read whole rows, so they need no renewal. */
const DAY_OFF: AuditedTable = { table: "day_off" };

export class UnitsOverTimeHolidays1796434695065 implements MigrationInterface {
    name = 'UnitsOverTimeHolidays1796434695065'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "day_off" ("id" character varying NOT NULL, "date" character varying(10) NOT NULL, "name" character varying(200) NOT NULL, "createdBy" character varying, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_4ebe4c08c950e3dbc87f0249811" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_day_off_date" ON "day_off"  ("date") `);
        await queryRunner.query(`ALTER TABLE "slot" ADD "holidayRule" character varying(10) NOT NULL DEFAULT 'play'`);
        await queryRunner.query(`ALTER TABLE "station" ADD "disabledAt" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "station" ADD "quietStart" character varying(5)`);
        await queryRunner.query(`ALTER TABLE "station" ADD "quietEnd" character varying(5)`);
        await queryRunner.query(`ALTER TABLE "unit" ADD "retiredAt" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "unit" ADD "mergedIntoId" character varying`);
        await createPostgresAuditTrigger(queryRunner, DAY_OFF);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropPostgresAuditTrigger(queryRunner, DAY_OFF.table);
        await queryRunner.query(`ALTER TABLE "unit" DROP COLUMN "mergedIntoId"`);
        await queryRunner.query(`ALTER TABLE "unit" DROP COLUMN "retiredAt"`);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "quietEnd"`);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "quietStart"`);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "disabledAt"`);
        await queryRunner.query(`ALTER TABLE "slot" DROP COLUMN "holidayRule"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_day_off_date"`);
        await queryRunner.query(`DROP TABLE "day_off"`);
    }

}
