import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Proof of air and dead air: the verdict of the station's capture on each reported event and logbook
 * line (null on lines from before, which therefore hash as they did), and the dead-air stretches
 * stations report.
 */
export class ProofOfAir1796425051317 implements MigrationInterface {
  name = 'ProofOfAir1796425051317';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['playback_event', 'logbook_line']) {
      await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "airVerdict" varchar(20)`);
      await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "airConfirmedMs" integer`);
      await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "airCoveragePct" integer`);
      await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "airOffsetMs" integer`);
      await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "deadAirMs" integer`);
    }
    await queryRunner.query(
      `CREATE TABLE "dead_air_event" ("id" varchar(36) PRIMARY KEY NOT NULL, "stationId" varchar NOT NULL, "occurrenceId" varchar(200) NOT NULL, "live" boolean NOT NULL, "since" varchar(24) NOT NULL, "clearedAt" varchar(24))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_dead_air_event_station_since" ON "dead_air_event" ("stationId", "since")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_dead_air_event_station_since"`);
    await queryRunner.query(`DROP TABLE "dead_air_event"`);
    for (const table of ['logbook_line', 'playback_event']) {
      for (const column of ['deadAirMs', 'airOffsetMs', 'airCoveragePct', 'airConfirmedMs', 'airVerdict']) {
        await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "${column}"`);
      }
    }
  }
}
