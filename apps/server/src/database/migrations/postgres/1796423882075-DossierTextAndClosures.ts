import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createPostgresAuditTrigger, dropPostgresAuditTrigger } from "../../../audit/audit-triggers";

/** An inspector's closing is audited like every other change people make. */
const CLOSURE: AuditedTable = { table: "dossier_closure" };

export class DossierTextAndClosures1796423882075 implements MigrationInterface {
    name = 'DossierTextAndClosures1796423882075'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "dossier_closure" ("id" character varying NOT NULL, "stationId" character varying NOT NULL, "unitId" character varying, "periodStart" TIMESTAMP WITH TIME ZONE NOT NULL, "periodEnd" TIMESTAMP WITH TIME ZONE NOT NULL, "note" character varying(1000), "closedBy" character varying, "closedAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_1c17a08a548474f66b2f0cdf863" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_dossier_closure_station" ON "dossier_closure"  ("stationId", "periodStart") `);
        await queryRunner.query(`ALTER TABLE "live_relay" ADD "sourceText" text`);
        await queryRunner.query(`ALTER TABLE "media_asset" ADD "spokenText" text`);
        await queryRunner.query(`ALTER TABLE "programme" ADD "spokenText" text`);
        await createPostgresAuditTrigger(queryRunner, CLOSURE);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropPostgresAuditTrigger(queryRunner, CLOSURE.table);
        await queryRunner.query(`ALTER TABLE "programme" DROP COLUMN "spokenText"`);
        await queryRunner.query(`ALTER TABLE "media_asset" DROP COLUMN "spokenText"`);
        await queryRunner.query(`ALTER TABLE "live_relay" DROP COLUMN "sourceText"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_dossier_closure_station"`);
        await queryRunner.query(`DROP TABLE "dossier_closure"`);
    }

}
