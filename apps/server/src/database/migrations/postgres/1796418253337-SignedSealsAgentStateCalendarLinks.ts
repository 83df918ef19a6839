import { MigrationInterface, QueryRunner } from "typeorm";

export class SignedSealsAgentStateCalendarLinks1796418253337 implements MigrationInterface {
    name = 'SignedSealsAgentStateCalendarLinks1796418253337'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_8b8c73b622adef2b314e961c12"`);
        await queryRunner.query(`CREATE TABLE "station_agent_state" ("stationId" character varying NOT NULL, "scheduleVersion" integer, "missingFiles" integer NOT NULL, "reportedAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_06857945705f44a5eefd61268b1" PRIMARY KEY ("stationId"))`);
        await queryRunner.query(`ALTER TABLE "logbook_seal" ADD "keyId" character varying(64)`);
        await queryRunner.query(`ALTER TABLE "logbook_seal" ADD "signature" character varying(100)`);
        await queryRunner.query(`ALTER TABLE "media_asset" ADD "loudnessWarning" character varying(300)`);
        await queryRunner.query(`ALTER TABLE "media_asset" ADD "liveGainDb" real`);
        await queryRunner.query(`ALTER TABLE "calendar_token" ADD "expiresAt" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "calendar_token" ADD "revokedAt" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_logbook_seal_station_pos" ON "logbook_seal"  ("stationId", "lastChainPos") `);
        await queryRunner.query(`CREATE INDEX "IDX_airing_startAt" ON "airing"  ("startAt") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_airing_startAt"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_logbook_seal_station_pos"`);
        await queryRunner.query(`ALTER TABLE "calendar_token" DROP COLUMN "revokedAt"`);
        await queryRunner.query(`ALTER TABLE "calendar_token" DROP COLUMN "expiresAt"`);
        await queryRunner.query(`ALTER TABLE "media_asset" DROP COLUMN "liveGainDb"`);
        await queryRunner.query(`ALTER TABLE "media_asset" DROP COLUMN "loudnessWarning"`);
        await queryRunner.query(`ALTER TABLE "logbook_seal" DROP COLUMN "signature"`);
        await queryRunner.query(`ALTER TABLE "logbook_seal" DROP COLUMN "keyId"`);
        await queryRunner.query(`DROP TABLE "station_agent_state"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_8b8c73b622adef2b314e961c12" ON "logbook_seal" USING btree ("stationId", "day") `);
    }

}
