import { MigrationInterface, QueryRunner } from "typeorm";

/** The PostgreSQL twin of 1796425051317-ProofOfAir: proof-of-air columns and dead-air stretches (not audited: agents write them). */
export class ProofOfAir1796425219803 implements MigrationInterface {
    name = 'ProofOfAir1796425219803'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "dead_air_event" ("id" character varying(36) NOT NULL, "stationId" character varying NOT NULL, "occurrenceId" character varying(200) NOT NULL, "live" boolean NOT NULL, "since" TIMESTAMP WITH TIME ZONE NOT NULL, "clearedAt" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_4cc30053454adf2db3193a9c7e0" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_dead_air_event_station_since" ON "dead_air_event"  ("stationId", "since") `);
        await queryRunner.query(`ALTER TABLE "logbook_line" ADD "airVerdict" character varying(20)`);
        await queryRunner.query(`ALTER TABLE "logbook_line" ADD "airConfirmedMs" integer`);
        await queryRunner.query(`ALTER TABLE "logbook_line" ADD "airCoveragePct" integer`);
        await queryRunner.query(`ALTER TABLE "logbook_line" ADD "airOffsetMs" integer`);
        await queryRunner.query(`ALTER TABLE "logbook_line" ADD "deadAirMs" integer`);
        await queryRunner.query(`ALTER TABLE "playback_event" ADD "airVerdict" character varying(20)`);
        await queryRunner.query(`ALTER TABLE "playback_event" ADD "airConfirmedMs" integer`);
        await queryRunner.query(`ALTER TABLE "playback_event" ADD "airCoveragePct" integer`);
        await queryRunner.query(`ALTER TABLE "playback_event" ADD "airOffsetMs" integer`);
        await queryRunner.query(`ALTER TABLE "playback_event" ADD "deadAirMs" integer`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "playback_event" DROP COLUMN "deadAirMs"`);
        await queryRunner.query(`ALTER TABLE "playback_event" DROP COLUMN "airOffsetMs"`);
        await queryRunner.query(`ALTER TABLE "playback_event" DROP COLUMN "airCoveragePct"`);
        await queryRunner.query(`ALTER TABLE "playback_event" DROP COLUMN "airConfirmedMs"`);
        await queryRunner.query(`ALTER TABLE "playback_event" DROP COLUMN "airVerdict"`);
        await queryRunner.query(`ALTER TABLE "logbook_line" DROP COLUMN "deadAirMs"`);
        await queryRunner.query(`ALTER TABLE "logbook_line" DROP COLUMN "airOffsetMs"`);
        await queryRunner.query(`ALTER TABLE "logbook_line" DROP COLUMN "airCoveragePct"`);
        await queryRunner.query(`ALTER TABLE "logbook_line" DROP COLUMN "airConfirmedMs"`);
        await queryRunner.query(`ALTER TABLE "logbook_line" DROP COLUMN "airVerdict"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_dead_air_event_station_since"`);
        await queryRunner.query(`DROP TABLE "dead_air_event"`);
    }

}
