import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createPostgresAuditTrigger, dropPostgresAuditTrigger } from "../../../audit/audit-triggers";

/** Languages and programmes' versions are audited; the station's trigger reads whole rows, so it needs no renewal. */
const NEW_TABLES: AuditedTable[] = [{ table: "language" }, { table: "programme_version" }];

export class LanguageVersions1796447849406 implements MigrationInterface {
    name = 'LanguageVersions1796447849406'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "language" ("code" character varying(20) NOT NULL, "name" character varying(100) NOT NULL, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_465b3173cdddf0ac2d3fe73a33c" PRIMARY KEY ("code"))`);
        await queryRunner.query(`CREATE TABLE "programme_version" ("id" character varying NOT NULL, "programmeId" character varying NOT NULL, "language" character varying(20) NOT NULL, "mediaAssetId" character varying NOT NULL, "createdBy" character varying, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_c2be43315ec7ff1587461ed5ed2" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_57028c589a8d505b028938e5d3" ON "programme_version"  ("programmeId", "language") `);
        await queryRunner.query(`ALTER TABLE "logbook_line" ADD "language" character varying(20)`);
        await queryRunner.query(`ALTER TABLE "station" ADD "languages" character varying(250) NOT NULL DEFAULT ''`);
        for (const spec of NEW_TABLES) await createPostgresAuditTrigger(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of NEW_TABLES) await dropPostgresAuditTrigger(queryRunner, spec.table);
        await queryRunner.query(`ALTER TABLE "station" DROP COLUMN "languages"`);
        await queryRunner.query(`ALTER TABLE "logbook_line" DROP COLUMN "language"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_57028c589a8d505b028938e5d3"`);
        await queryRunner.query(`DROP TABLE "programme_version"`);
        await queryRunner.query(`DROP TABLE "language"`);
    }

}
