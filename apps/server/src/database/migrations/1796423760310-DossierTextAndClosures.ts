import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/** Tables whose triggers list their columns, renewed so the new ones are recorded too; closures are audited. */
const RENEWED: AuditedTable[] = [
    { table: "media_asset", quiet: ["progress"] },
    { table: "programme" },
    { table: "live_relay", redact: ["streamTokenHash"], quiet: ["roundsAired"] },
];
const CLOSURE: AuditedTable = { table: "dossier_closure" };

export class DossierTextAndClosures1796423760310 implements MigrationInterface {
    name = 'DossierTextAndClosures1796423760310'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "media_asset" ADD COLUMN "spokenText" text`);
        await queryRunner.query(`ALTER TABLE "programme" ADD COLUMN "spokenText" text`);
        await queryRunner.query(`ALTER TABLE "live_relay" ADD COLUMN "sourceText" text`);
        await queryRunner.query(`CREATE TABLE "dossier_closure" ("id" varchar PRIMARY KEY NOT NULL, "stationId" varchar NOT NULL, "unitId" varchar, "periodStart" varchar(24) NOT NULL, "periodEnd" varchar(24) NOT NULL, "note" varchar(1000), "closedBy" varchar, "closedAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_dossier_closure_station" ON "dossier_closure" ("stationId", "periodStart") `);
        for (const spec of RENEWED) await createAuditTriggers(queryRunner, spec);
        await createAuditTriggers(queryRunner, CLOSURE);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, CLOSURE.table);
        await queryRunner.query(`DROP INDEX "IDX_dossier_closure_station"`);
        await queryRunner.query(`DROP TABLE "dossier_closure"`);
        for (const spec of RENEWED) await dropAuditTriggers(queryRunner, spec.table);
        await queryRunner.query(`ALTER TABLE "live_relay" DROP COLUMN "sourceText"`);
        await queryRunner.query(`ALTER TABLE "programme" DROP COLUMN "spokenText"`);
        await queryRunner.query(`ALTER TABLE "media_asset" DROP COLUMN "spokenText"`);
        for (const spec of RENEWED) await createAuditTriggers(queryRunner, spec);
    }

}
