import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/**
 * Units that are merged or retired, stations that are disabled or keep quiet hours, a slot's choice on
 * holidays, and the days off the government declares. The triggers of the widened tables list their
 * columns, so they are renewed; declared days off are audited.
 */
const RENEWED: AuditedTable[] = [
    { table: "unit" },
    { table: "station", redact: ["tokenHash"], quiet: ["lastSeenAt", "agentVersion", "scheduleVersion"] },
    { table: "slot" },
];
const DAY_OFF: AuditedTable = { table: "day_off" };

export class UnitsOverTimeHolidays1796434617738 implements MigrationInterface {
    name = 'UnitsOverTimeHolidays1796434617738'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "unit" ADD COLUMN "retiredAt" varchar(24)`);
        await queryRunner.query(`ALTER TABLE "unit" ADD COLUMN "mergedIntoId" varchar`);
        await queryRunner.query(`ALTER TABLE "station" ADD COLUMN "disabledAt" varchar(24)`);
        await queryRunner.query(`ALTER TABLE "station" ADD COLUMN "quietStart" varchar(5)`);
        await queryRunner.query(`ALTER TABLE "station" ADD COLUMN "quietEnd" varchar(5)`);
        await queryRunner.query(`ALTER TABLE "slot" ADD COLUMN "holidayRule" varchar(10) NOT NULL DEFAULT ('play')`);
        await queryRunner.query(`CREATE TABLE "day_off" ("id" varchar PRIMARY KEY NOT NULL, "date" varchar(10) NOT NULL, "name" varchar(200) NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_day_off_date" ON "day_off" ("date") `);
        for (const spec of RENEWED) await createAuditTriggers(queryRunner, spec);
        await createAuditTriggers(queryRunner, DAY_OFF);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, DAY_OFF.table);
        await queryRunner.query(`DROP INDEX "IDX_day_off_date"`);
        await queryRunner.query(`DROP TABLE "day_off"`);
        for (const spec of RENEWED) await dropAuditTriggers(queryRunner, spec.table);
        await queryRunner.query(`ALTER TABLE "slot" DROP COLUMN "holidayRule"`);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "quietEnd"`);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "quietStart"`);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "disabledAt"`);
        await queryRunner.query(`ALTER TABLE "unit" DROP COLUMN "mergedIntoId"`);
        await queryRunner.query(`ALTER TABLE "unit" DROP COLUMN "retiredAt"`);
        for (const spec of RENEWED) await createAuditTriggers(queryRunner, spec);
    }

}
