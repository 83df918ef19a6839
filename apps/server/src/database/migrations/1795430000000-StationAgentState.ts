import { MigrationInterface, QueryRunner } from 'typeorm';

/** What each station's agent last said it holds (schedule version, missing files): why a silent station missed. */
export class StationAgentState1795430000000 implements MigrationInterface {
  name = 'StationAgentState1795430000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "station_agent_state" ("stationId" varchar PRIMARY KEY NOT NULL, "scheduleVersion" integer, "missingFiles" integer NOT NULL, "reportedAt" varchar(24) NOT NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "station_agent_state"`);
  }
}
