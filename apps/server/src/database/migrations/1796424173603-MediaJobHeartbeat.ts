import { MigrationInterface, QueryRunner } from "typeorm";

/** When the instance running a conversion last said it still runs it: one gone quiet has died. */
export class MediaJobHeartbeat1796424173603 implements MigrationInterface {
    name = 'MediaJobHeartbeat1796424173603'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "media_job" ADD COLUMN "heartbeatAt" varchar(24)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "media_job" DROP COLUMN "heartbeatAt"`);
    }
}
