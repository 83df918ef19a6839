import { MigrationInterface, QueryRunner } from "typeorm";

export class LiveRelay1795401530246 implements MigrationInterface {
    name = 'LiveRelay1795401530246'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "live_relay" ("id" varchar PRIMARY KEY NOT NULL, "kind" varchar(20) NOT NULL, "priority" varchar(20) NOT NULL, "title" varchar(300) NOT NULL, "sourceKind" varchar(20) NOT NULL, "programmeId" varchar, "sourceUrl" varchar(2000), "rounds" integer NOT NULL DEFAULT (1), "intervalMs" integer NOT NULL DEFAULT (0), "roundsAired" integer NOT NULL DEFAULT (0), "expiresAt" varchar(24), "status" varchar(20) NOT NULL, "endReason" varchar(1000), "streamTokenHash" varchar(64) NOT NULL, "recordingSha256" varchar(64), "recordingBytes" integer, "startedBy" varchar, "startedAt" varchar(24) NOT NULL, "endedAt" varchar(24))`);
        await queryRunner.query(`CREATE INDEX "IDX_9c3af491bb89cc8a1f5177db38" ON "live_relay" ("status") `);
        await queryRunner.query(`CREATE INDEX "IDX_26c7d04ef99ce485ddf992a7c1" ON "live_relay" ("startedAt") `);
        await queryRunner.query(`CREATE TABLE "live_relay_target" ("relayId" varchar NOT NULL, "stationId" varchar NOT NULL, PRIMARY KEY ("relayId", "stationId"))`);
        await queryRunner.query(`CREATE INDEX "IDX_0b33edd8b2611894a3440705a4" ON "live_relay_target" ("stationId") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_0b33edd8b2611894a3440705a4"`);
        await queryRunner.query(`DROP TABLE "live_relay_target"`);
        await queryRunner.query(`DROP INDEX "IDX_26c7d04ef99ce485ddf992a7c1"`);
        await queryRunner.query(`DROP INDEX "IDX_9c3af491bb89cc8a1f5177db38"`);
        await queryRunner.query(`DROP TABLE "live_relay"`);
    }

}
