import { MigrationInterface, QueryRunner } from "typeorm";

export class ChuyenMucRetire1796447289247 implements MigrationInterface {
    name = 'ChuyenMucRetire1796447289247'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "chuyen_muc" ADD "retiredAt" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "topic" ADD "retiredAt" TIMESTAMP WITH TIME ZONE`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "topic" DROP COLUMN "retiredAt"`);
        await queryRunner.query(`ALTER TABLE "chuyen_muc" DROP COLUMN "retiredAt"`);
    }

}
