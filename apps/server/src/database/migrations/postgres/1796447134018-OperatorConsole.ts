import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createPostgresAuditTrigger, dropPostgresAuditTrigger } from "../../../audit/audit-triggers";

/** A station's chosen order of two clashing priority airings is audited like every other change people make. */
const ORDER: AuditedTable = { table: "airing_order" };

export class OperatorConsole1796447134018 implements MigrationInterface {
    name = 'OperatorConsole1796447134018'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "slot_override" ADD "reason" character varying(500)`);
        await queryRunner.query(`CREATE TABLE "airing_order" ("id" character varying NOT NULL, "stationId" character varying NOT NULL, "firstSlotId" character varying NOT NULL, "firstAt" TIMESTAMP WITH TIME ZONE NOT NULL, "secondSlotId" character varying NOT NULL, "secondAt" TIMESTAMP WITH TIME ZONE NOT NULL, "createdBy" character varying, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_airing_order" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_airing_order_station" ON "airing_order" ("stationId", "firstAt") `);
        await createPostgresAuditTrigger(queryRunner, ORDER);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropPostgresAuditTrigger(queryRunner, ORDER.table);
        await queryRunner.query(`DROP INDEX "public"."IDX_airing_order_station"`);
        await queryRunner.query(`DROP TABLE "airing_order"`);
        await queryRunner.query(`ALTER TABLE "slot_override" DROP COLUMN "reason"`);
    }

}
