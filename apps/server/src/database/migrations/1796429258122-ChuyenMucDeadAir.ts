import { MigrationInterface, QueryRunner } from "typeorm";
import { createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/** The chuyên mục's own dead-air threshold; its audit triggers list the columns, so they are renewed. */
export class ChuyenMucDeadAir1796429258122 implements MigrationInterface {
    name = 'ChuyenMucDeadAir1796429258122'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "chuyen_muc" ADD COLUMN "deadAirSeconds" integer`);
        await createAuditTriggers(queryRunner, { table: "chuyen_muc" });
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, "chuyen_muc");
        await queryRunner.query(`ALTER TABLE "chuyen_muc" DROP COLUMN "deadAirSeconds"`);
        await createAuditTriggers(queryRunner, { table: "chuyen_muc" });
    }

}
