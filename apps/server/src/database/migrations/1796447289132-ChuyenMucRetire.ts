import { MigrationInterface, QueryRunner } from "typeorm";
import { createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/** A chuyên mục or topic can be retired; their audit triggers list the columns, so they are renewed. */
export class ChuyenMucRetire1796447289132 implements MigrationInterface {
    name = 'ChuyenMucRetire1796447289132'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "chuyen_muc" ADD COLUMN "retiredAt" varchar(24)`);
        await queryRunner.query(`ALTER TABLE "topic" ADD COLUMN "retiredAt" varchar(24)`);
        await createAuditTriggers(queryRunner, { table: "chuyen_muc" });
        await createAuditTriggers(queryRunner, { table: "topic" });
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, "topic");
        await dropAuditTriggers(queryRunner, "chuyen_muc");
        await queryRunner.query(`ALTER TABLE "topic" DROP COLUMN "retiredAt"`);
        await queryRunner.query(`ALTER TABLE "chuyen_muc" DROP COLUMN "retiredAt"`);
        await createAuditTriggers(queryRunner, { table: "chuyen_muc" });
        await createAuditTriggers(queryRunner, { table: "topic" });
    }

}
