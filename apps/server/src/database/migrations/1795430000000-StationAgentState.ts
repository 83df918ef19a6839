import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each station's agent last said it holds (schedule version, missing files), and an index on when
 * airings start: together they let the server find the airings a silent station never reported, and say why.
 */
export class StationAgentState1795430000000 implements MigrationInterface {
  name = 'StationAgentState1795430000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "station_agent_state" ("stationId" varchar PRIMARY KEY NOT NULL, "scheduleVersion" integer, "missingFiles" integer NOT NULL, "reportedAt" varchar(24) NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_airing_startAt" ON "airing" ("startAt")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_airing_startAt"`);
    await queryRunner.query(`DROP TABLE "station_agent_state"`);
  }
}
