import { MigrationInterface, QueryRunner } from "typeorm";

/** The lease by which one instance encodes a live relay and another takes it over when that one dies. */
export class LiveRelayLease1796434613079 implements MigrationInterface {
    name = 'LiveRelayLease1796434613079'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "live_relay_lease" ("relayId" varchar PRIMARY KEY NOT NULL, "owner" varchar(64) NOT NULL, "leaseUntil" varchar(24) NOT NULL, "round" integer NOT NULL DEFAULT (0), "onAir" boolean NOT NULL DEFAULT (0), "roundStartedAt" varchar(24), "offsetMs" integer NOT NULL DEFAULT (0), "seq" integer NOT NULL DEFAULT (0), "roundEndedAt" varchar(24))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "live_relay_lease"`);
    }

}
