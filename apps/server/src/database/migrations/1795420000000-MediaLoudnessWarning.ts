import { MigrationInterface, QueryRunner } from "typeorm";
import { createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/** A broadcast file's loudness warning, and the gain its live airings need; media_asset's audit triggers follow its columns. */
export class MediaLoudnessWarning1795420000000 implements MigrationInterface {
    name = 'MediaLoudnessWarning1795420000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "media_asset" ADD COLUMN "loudnessWarning" varchar(300)`);
        await queryRunner.query(`ALTER TABLE "media_asset" ADD COLUMN "liveGainDb" real`);
        await createAuditTriggers(queryRunner, { table: "media_asset", quiet: ["progress"] });
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        // Triggers name every column: they go before a column can.
        await dropAuditTriggers(queryRunner, "media_asset");
        await queryRunner.query(`ALTER TABLE "media_asset" DROP COLUMN "liveGainDb"`);
        await queryRunner.query(`ALTER TABLE "media_asset" DROP COLUMN "loudnessWarning"`);
        await createAuditTriggers(queryRunner, { table: "media_asset", quiet: ["progress"] });
    }
}
