import { MigrationInterface, QueryRunner } from "typeorm";
import { createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/**
 * The commune's reason for declining an airing, and the order it chose for two clashing priority airings.
 * The override's audit triggers list its columns, so they are renewed; the new table is audited too.
 */
export class OperatorConsole1796447134017 implements MigrationInterface {
    name = 'OperatorConsole1796447134017'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "slot_override" ADD COLUMN "reason" varchar(500)`);
        await createAuditTriggers(queryRunner, { table: "slot_override" });
        await queryRunner.query(`CREATE TABLE "airing_order" ("id" varchar PRIMARY KEY NOT NULL, "stationId" varchar NOT NULL, "firstSlotId" varchar NOT NULL, "firstAt" varchar(24) NOT NULL, "secondSlotId" varchar NOT NULL, "secondAt" varchar(24) NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_airing_order_station" ON "airing_order" ("stationId", "firstAt") `);
        await createAuditTriggers(queryRunner, { table: "airing_order" });
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, "airing_order");
        await queryRunner.query(`DROP INDEX "IDX_airing_order_station"`);
        await queryRunner.query(`DROP TABLE "airing_order"`);
        await dropAuditTriggers(queryRunner, "slot_override");
        await queryRunner.query(`ALTER TABLE "slot_override" DROP COLUMN "reason"`);
        await createAuditTriggers(queryRunner, { table: "slot_override" });
    }

}
