import { MigrationInterface, QueryRunner } from "typeorm";

export class LeanLogbookIndexes1795410966423 implements MigrationInterface {
    name = 'LeanLogbookIndexes1795410966423'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a"`);
        await queryRunner.query(`DROP INDEX "IDX_3c11d0005de868c83c917f43af"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_3c11d0005de868c83c917f43af" ON "logbook_line" ("plannedStart") `);
        await queryRunner.query(`CREATE INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a" ON "logbook_line" ("chuyenMuc") `);
    }

}
