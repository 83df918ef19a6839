import { MigrationInterface, QueryRunner } from "typeorm";

/** Which stations played a live relay, so an emergency's catch-up does not depend on one instance's memory. */
export class LiveRelayCarriage1796473060032 implements MigrationInterface {
    name = 'LiveRelayCarriage1796473060032'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "live_relay_carriage" ("relayId" character varying NOT NULL, "stationId" character varying NOT NULL, "carriedAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_live_relay_carriage" PRIMARY KEY ("relayId", "stationId"))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "live_relay_carriage"`);
    }

}
