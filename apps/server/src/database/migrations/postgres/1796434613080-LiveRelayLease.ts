import { MigrationInterface, QueryRunner } from "typeorm";

/** The lease by which one instance encodes a live relay and another takes it over when that one dies. */
export class LiveRelayLease1796434613080 implements MigrationInterface {
    name = 'LiveRelayLease1796434613080'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "live_relay_lease" ("relayId" character varying NOT NULL, "owner" character varying(64) NOT NULL, "leaseUntil" TIMESTAMP WITH TIME ZONE NOT NULL, "round" integer NOT NULL DEFAULT '0', "onAir" boolean NOT NULL DEFAULT false, "roundStartedAt" TIMESTAMP WITH TIME ZONE, "offsetMs" integer NOT NULL DEFAULT '0', "seq" integer NOT NULL DEFAULT '0', "roundEndedAt" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_live_relay_lease" PRIMARY KEY ("relayId"))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "live_relay_lease"`);
    }

}
