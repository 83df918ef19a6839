import { MigrationInterface, QueryRunner } from "typeorm";

/** When the instance running a conversion last said it still runs it: one gone quiet has died. */
export class MediaJobHeartbeat1796424173604 implements MigrationInterface {
    name = 'MediaJobHeartbeat1796424173604'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "media_job" ADD "heartbeatAt" TIMESTAMP WITH TIME ZONE`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "media_job" DROP COLUMN "heartbeatAt"`);
    }
}
