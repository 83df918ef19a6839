import { MigrationInterface, QueryRunner } from "typeorm";
import { createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/**
 * Whether a programme may be heard again on the public replay page. Existing programmes take the default a
 * new one gets: public when filed under Cải cách hành chính or made by an upper level (an account bound to
 * no unit, or to a unit with units below it), never a khẩn cấp announcement. The triggers are dropped first
 * so the fill is not written to the audit trail as somebody's change, then renewed with the new column.
 */
export class ProgrammePublic1796447037800 implements MigrationInterface {
    name = 'ProgrammePublic1796447037800'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, "programme");
        await queryRunner.query(`ALTER TABLE "programme" ADD COLUMN "public" boolean NOT NULL DEFAULT (0)`);
        await queryRunner.query(`UPDATE "programme" SET "public" = 1 WHERE "chuyenMuc" <> 'Thông báo khẩn cấp' AND (
            "chuyenMucId" IN (SELECT "id" FROM "chuyen_muc" WHERE "code" = 'CCHC')
            OR "createdBy" IN (SELECT u."id" FROM "user" u WHERE u."unitId" IS NULL OR EXISTS (SELECT 1 FROM "unit" c WHERE c."parentId" = u."unitId")))`);
        await createAuditTriggers(queryRunner, { table: "programme" });
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, "programme");
        await queryRunner.query(`ALTER TABLE "programme" DROP COLUMN "public"`);
        await createAuditTriggers(queryRunner, { table: "programme" });
    }

}
