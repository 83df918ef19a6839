import { MigrationInterface, QueryRunner } from 'typeorm';

/** Seals are made hourly and signed: one per station and chain position instead of one per day, with the key and signature. */
export class SignedSeals1795430100000 implements MigrationInterface {
  name = 'SignedSeals1795430100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_8b8c73b622adef2b314e961c12"`);
    await queryRunner.query(`ALTER TABLE "logbook_seal" ADD COLUMN "keyId" varchar(64)`);
    await queryRunner.query(`ALTER TABLE "logbook_seal" ADD COLUMN "signature" varchar(100)`);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_logbook_seal_station_pos" ON "logbook_seal" ("stationId", "lastChainPos")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_logbook_seal_station_pos"`);
    // Only one seal per day fits the old shape: the signed hourly ones go.
    await queryRunner.query(`DELETE FROM "logbook_seal" WHERE "keyId" IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "logbook_seal" DROP COLUMN "signature"`);
    await queryRunner.query(`ALTER TABLE "logbook_seal" DROP COLUMN "keyId"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_8b8c73b622adef2b314e961c12" ON "logbook_seal" ("stationId", "day")`);
  }
}
