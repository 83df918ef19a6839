import { MigrationInterface, QueryRunner } from "typeorm";

/** Which stations played a live relay, so an emergency's catch-up does not depend on one instance's memory. */
export class LiveRelayCarriage1796473060031 implements MigrationInterface {
    name = 'LiveRelayCarriage1796473060031'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "live_relay_carriage" ("relayId" varchar NOT NULL, "stationId" varchar NOT NULL, "carriedAt" varchar(24) NOT NULL, PRIMARY KEY ("relayId", "stationId"))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "live_relay_carriage"`);
    }

}
