import { MigrationInterface, QueryRunner } from "typeorm";

export class ChuyenMucDeadAir1796429471606 implements MigrationInterface {
    name = 'ChuyenMucDeadAir1796429471606'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "chuyen_muc" ADD "deadAirSeconds" integer`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "chuyen_muc" DROP COLUMN "deadAirSeconds"`);
    }

}
