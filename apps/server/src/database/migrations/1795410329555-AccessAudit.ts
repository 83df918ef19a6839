import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/** What this migration audits, fixed here so a later change to the list needs a migration of its own. */
export const AUDITED: AuditedTable[] = [
    { table: "unit" },
    { table: "station", redact: ["tokenHash"], quiet: ["lastSeenAt", "agentVersion", "scheduleVersion"] },
    { table: "user", redact: ["passwordHash"] },
    { table: "programme" },
    { table: "chuyen_muc" },
    { table: "topic" },
    { table: "plan_target" },
    { table: "slot" },
    { table: "slot_target" },
    { table: "slot_target_ref" },
    { table: "slot_override" },
    { table: "station_group" },
    { table: "station_group_member" },
    { table: "speaker_cluster" },
    { table: "calendar_token", redact: ["tokenHash"] },
    { table: "media_asset", quiet: ["progress"] },
    { table: "loudness_target" },
    { table: "live_relay", redact: ["streamTokenHash"], quiet: ["roundsAired"] },
    { table: "live_relay_target" },
];

export class AccessAudit1795410329555 implements MigrationInterface {
    name = 'AccessAudit1795410329555'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "audit_entry" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "at" varchar(24) NOT NULL, "actorKind" varchar(10) NOT NULL, "actorId" varchar, "actorName" varchar(200), "entity" varchar(50) NOT NULL, "entityId" varchar(200) NOT NULL, "action" varchar(10) NOT NULL, "before" text, "after" text)`);
        await queryRunner.query(`CREATE INDEX "IDX_9d18bd4a32fc0cd8ff82b12037" ON "audit_entry" ("at") `);
        await queryRunner.query(`CREATE INDEX "IDX_16e974357664a336146e08efb4" ON "audit_entry" ("actorId") `);
        await queryRunner.query(`CREATE INDEX "IDX_2084e450cdb71be32b816bca4e" ON "audit_entry" ("entity", "entityId") `);
        await queryRunner.query(`DROP INDEX "IDX_78a916df40e02a9deb1c4b75ed"`);
        await queryRunner.query(`CREATE TABLE "temporary_user" ("id" varchar PRIMARY KEY NOT NULL, "username" varchar(100) NOT NULL, "displayName" varchar(200) NOT NULL, "passwordHash" varchar(300) NOT NULL, "role" varchar(20) NOT NULL, "unitId" varchar, "disabled" boolean NOT NULL DEFAULT (0), "createdAt" varchar(24) NOT NULL, "tokenVersion" integer NOT NULL DEFAULT (0))`);
        await queryRunner.query(`INSERT INTO "temporary_user"("id", "username", "displayName", "passwordHash", "role", "unitId", "disabled", "createdAt") SELECT "id", "username", "displayName", "passwordHash", "role", "unitId", "disabled", "createdAt" FROM "user"`);
        await queryRunner.query(`DROP TABLE "user"`);
        await queryRunner.query(`ALTER TABLE "temporary_user" RENAME TO "user"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_78a916df40e02a9deb1c4b75ed" ON "user" ("username") `);
        for (const spec of AUDITED) await createAuditTriggers(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of AUDITED) await dropAuditTriggers(queryRunner, spec.table);
        await queryRunner.query(`DROP INDEX "IDX_78a916df40e02a9deb1c4b75ed"`);
        await queryRunner.query(`ALTER TABLE "user" RENAME TO "temporary_user"`);
        await queryRunner.query(`CREATE TABLE "user" ("id" varchar PRIMARY KEY NOT NULL, "username" varchar(100) NOT NULL, "displayName" varchar(200) NOT NULL, "passwordHash" varchar(300) NOT NULL, "role" varchar(20) NOT NULL, "unitId" varchar, "disabled" boolean NOT NULL DEFAULT (0), "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`INSERT INTO "user"("id", "username", "displayName", "passwordHash", "role", "unitId", "disabled", "createdAt") SELECT "id", "username", "displayName", "passwordHash", "role", "unitId", "disabled", "createdAt" FROM "temporary_user"`);
        await queryRunner.query(`DROP TABLE "temporary_user"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_78a916df40e02a9deb1c4b75ed" ON "user" ("username") `);
        await queryRunner.query(`DROP INDEX "IDX_2084e450cdb71be32b816bca4e"`);
        await queryRunner.query(`DROP INDEX "IDX_16e974357664a336146e08efb4"`);
        await queryRunner.query(`DROP INDEX "IDX_9d18bd4a32fc0cd8ff82b12037"`);
        await queryRunner.query(`DROP TABLE "audit_entry"`);
    }

}
