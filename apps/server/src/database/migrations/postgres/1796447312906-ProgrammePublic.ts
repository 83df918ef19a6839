import { MigrationInterface, QueryRunner } from "typeorm";

/** The public replay flag, filled for existing programmes as the SQLite twin fills it (its audit trigger reads whole rows). */
export class ProgrammePublic1796447312906 implements MigrationInterface {
    name = 'ProgrammePublic1796447312906'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "programme" ADD "public" boolean NOT NULL DEFAULT false`);
        await queryRunner.query(`UPDATE "programme" SET "public" = true WHERE "chuyenMuc" <> 'Thông báo khẩn cấp' AND (
            "chuyenMucId" IN (SELECT "id" FROM "chuyen_muc" WHERE "code" = 'CCHC')
            OR "createdBy" IN (SELECT u."id" FROM "user" u WHERE u."unitId" IS NULL OR EXISTS (SELECT 1 FROM "unit" c WHERE c."parentId" = u."unitId")))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "programme" DROP COLUMN "public"`);
    }

}
