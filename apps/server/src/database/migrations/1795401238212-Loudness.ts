import { MigrationInterface, QueryRunner } from "typeorm";

export class Loudness1795401238212 implements MigrationInterface {
    name = 'Loudness1795401238212'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "loudness_target" ("chuyenMuc" varchar(200) PRIMARY KEY NOT NULL, "targetLufs" real NOT NULL, "updatedBy" varchar, "updatedAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE TABLE "media_job" ("id" varchar PRIMARY KEY NOT NULL, "assetId" varchar NOT NULL, "kind" varchar(20) NOT NULL DEFAULT ('normalise'), "state" varchar CHECK( "state" IN ('queued','running','done','failed','cancelled') ) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "workFile" varchar(500), "error" varchar(500), "createdAt" varchar(24) NOT NULL, "startedAt" varchar(24), "finishedAt" varchar(24))`);
        await queryRunner.query(`CREATE INDEX "IDX_902fd6815c4e17ddfe595d8172" ON "media_job" ("assetId") `);
        await queryRunner.query(`CREATE INDEX "IDX_0a7be16c62610b5ed41c95d08b" ON "media_job" ("state") `);
        await queryRunner.query(`DROP INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3"`);
        await queryRunner.query(`DROP INDEX "IDX_047490c66d535c87e35b2d7b1f"`);
        await queryRunner.query(`DROP INDEX "IDX_06b4a9e89c29addba092fd5fc7"`);
        await queryRunner.query(`DROP INDEX "IDX_8fba21420e28db85508fc772c5"`);
        await queryRunner.query(`CREATE TABLE "temporary_media_asset" ("id" varchar PRIMARY KEY NOT NULL, "status" varchar CHECK( "status" IN ('processing','ready','failed') ) NOT NULL, "originalName" varchar(255) NOT NULL, "originalSha256" varchar(64) NOT NULL, "originalExt" varchar(10) NOT NULL, "originalSize" bigint NOT NULL, "originalFormat" varchar(100) NOT NULL, "originalDurationMs" integer NOT NULL, "sha256" varchar(64), "size" bigint, "durationMs" integer, "sampleRate" integer, "channels" integer, "bitrateKbps" integer, "progress" integer NOT NULL DEFAULT (0), "error" varchar(500), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "readyAt" varchar(24), "source" varchar(10) NOT NULL DEFAULT ('upload'), "chuyenMuc" varchar(200), "targetLufs" real NOT NULL DEFAULT (-16), "inputLufs" real, "inputTruePeakDbtp" real, "gainDb" real, "outputLufs" real, "outputTruePeakDbtp" real, "trimmedMs" integer, "expiredAt" varchar(24))`);
        await queryRunner.query(`INSERT INTO "temporary_media_asset"("id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt") SELECT "id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt" FROM "media_asset"`);
        await queryRunner.query(`DROP TABLE "media_asset"`);
        await queryRunner.query(`ALTER TABLE "temporary_media_asset" RENAME TO "media_asset"`);
        await queryRunner.query(`CREATE INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3" ON "media_asset" ("createdAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_047490c66d535c87e35b2d7b1f" ON "media_asset" ("sha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_06b4a9e89c29addba092fd5fc7" ON "media_asset" ("originalSha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_8fba21420e28db85508fc772c5" ON "media_asset" ("status") `);
        await queryRunner.query(`DROP INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3"`);
        await queryRunner.query(`DROP INDEX "IDX_047490c66d535c87e35b2d7b1f"`);
        await queryRunner.query(`DROP INDEX "IDX_06b4a9e89c29addba092fd5fc7"`);
        await queryRunner.query(`DROP INDEX "IDX_8fba21420e28db85508fc772c5"`);
        await queryRunner.query(`CREATE TABLE "temporary_media_asset" ("id" varchar PRIMARY KEY NOT NULL, "status" varchar CHECK( "status" IN ('processing','ready','failed','cancelled','expired') ) NOT NULL, "originalName" varchar(255) NOT NULL, "originalSha256" varchar(64) NOT NULL, "originalExt" varchar(10) NOT NULL, "originalSize" bigint NOT NULL, "originalFormat" varchar(100) NOT NULL, "originalDurationMs" integer NOT NULL, "sha256" varchar(64), "size" bigint, "durationMs" integer, "sampleRate" integer, "channels" integer, "bitrateKbps" integer, "progress" integer NOT NULL DEFAULT (0), "error" varchar(500), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "readyAt" varchar(24), "source" varchar(10) NOT NULL DEFAULT ('upload'), "chuyenMuc" varchar(200), "targetLufs" real NOT NULL DEFAULT (-16), "inputLufs" real, "inputTruePeakDbtp" real, "gainDb" real, "outputLufs" real, "outputTruePeakDbtp" real, "trimmedMs" integer, "expiredAt" varchar(24))`);
        await queryRunner.query(`INSERT INTO "temporary_media_asset"("id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt", "source", "chuyenMuc", "targetLufs", "inputLufs", "inputTruePeakDbtp", "gainDb", "outputLufs", "outputTruePeakDbtp", "trimmedMs", "expiredAt") SELECT "id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt", "source", "chuyenMuc", "targetLufs", "inputLufs", "inputTruePeakDbtp", "gainDb", "outputLufs", "outputTruePeakDbtp", "trimmedMs", "expiredAt" FROM "media_asset"`);
        await queryRunner.query(`DROP TABLE "media_asset"`);
        await queryRunner.query(`ALTER TABLE "temporary_media_asset" RENAME TO "media_asset"`);
        await queryRunner.query(`CREATE INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3" ON "media_asset" ("createdAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_047490c66d535c87e35b2d7b1f" ON "media_asset" ("sha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_06b4a9e89c29addba092fd5fc7" ON "media_asset" ("originalSha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_8fba21420e28db85508fc772c5" ON "media_asset" ("status") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_8fba21420e28db85508fc772c5"`);
        await queryRunner.query(`DROP INDEX "IDX_06b4a9e89c29addba092fd5fc7"`);
        await queryRunner.query(`DROP INDEX "IDX_047490c66d535c87e35b2d7b1f"`);
        await queryRunner.query(`DROP INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3"`);
        await queryRunner.query(`ALTER TABLE "media_asset" RENAME TO "temporary_media_asset"`);
        await queryRunner.query(`CREATE TABLE "media_asset" ("id" varchar PRIMARY KEY NOT NULL, "status" varchar CHECK( "status" IN ('processing','ready','failed') ) NOT NULL, "originalName" varchar(255) NOT NULL, "originalSha256" varchar(64) NOT NULL, "originalExt" varchar(10) NOT NULL, "originalSize" bigint NOT NULL, "originalFormat" varchar(100) NOT NULL, "originalDurationMs" integer NOT NULL, "sha256" varchar(64), "size" bigint, "durationMs" integer, "sampleRate" integer, "channels" integer, "bitrateKbps" integer, "progress" integer NOT NULL DEFAULT (0), "error" varchar(500), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "readyAt" varchar(24), "source" varchar(10) NOT NULL DEFAULT ('upload'), "chuyenMuc" varchar(200), "targetLufs" real NOT NULL DEFAULT (-16), "inputLufs" real, "inputTruePeakDbtp" real, "gainDb" real, "outputLufs" real, "outputTruePeakDbtp" real, "trimmedMs" integer, "expiredAt" varchar(24))`);
        await queryRunner.query(`INSERT INTO "media_asset"("id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt", "source", "chuyenMuc", "targetLufs", "inputLufs", "inputTruePeakDbtp", "gainDb", "outputLufs", "outputTruePeakDbtp", "trimmedMs", "expiredAt") SELECT "id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt", "source", "chuyenMuc", "targetLufs", "inputLufs", "inputTruePeakDbtp", "gainDb", "outputLufs", "outputTruePeakDbtp", "trimmedMs", "expiredAt" FROM "temporary_media_asset"`);
        await queryRunner.query(`DROP TABLE "temporary_media_asset"`);
        await queryRunner.query(`CREATE INDEX "IDX_8fba21420e28db85508fc772c5" ON "media_asset" ("status") `);
        await queryRunner.query(`CREATE INDEX "IDX_06b4a9e89c29addba092fd5fc7" ON "media_asset" ("originalSha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_047490c66d535c87e35b2d7b1f" ON "media_asset" ("sha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3" ON "media_asset" ("createdAt") `);
        await queryRunner.query(`DROP INDEX "IDX_8fba21420e28db85508fc772c5"`);
        await queryRunner.query(`DROP INDEX "IDX_06b4a9e89c29addba092fd5fc7"`);
        await queryRunner.query(`DROP INDEX "IDX_047490c66d535c87e35b2d7b1f"`);
        await queryRunner.query(`DROP INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3"`);
        await queryRunner.query(`ALTER TABLE "media_asset" RENAME TO "temporary_media_asset"`);
        await queryRunner.query(`CREATE TABLE "media_asset" ("id" varchar PRIMARY KEY NOT NULL, "status" varchar CHECK( "status" IN ('processing','ready','failed') ) NOT NULL, "originalName" varchar(255) NOT NULL, "originalSha256" varchar(64) NOT NULL, "originalExt" varchar(10) NOT NULL, "originalSize" bigint NOT NULL, "originalFormat" varchar(100) NOT NULL, "originalDurationMs" integer NOT NULL, "sha256" varchar(64), "size" bigint, "durationMs" integer, "sampleRate" integer, "channels" integer, "bitrateKbps" integer, "progress" integer NOT NULL DEFAULT (0), "error" varchar(500), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "readyAt" varchar(24))`);
        await queryRunner.query(`INSERT INTO "media_asset"("id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt") SELECT "id", "status", "originalName", "originalSha256", "originalExt", "originalSize", "originalFormat", "originalDurationMs", "sha256", "size", "durationMs", "sampleRate", "channels", "bitrateKbps", "progress", "error", "createdBy", "createdAt", "readyAt" FROM "temporary_media_asset"`);
        await queryRunner.query(`DROP TABLE "temporary_media_asset"`);
        await queryRunner.query(`CREATE INDEX "IDX_8fba21420e28db85508fc772c5" ON "media_asset" ("status") `);
        await queryRunner.query(`CREATE INDEX "IDX_06b4a9e89c29addba092fd5fc7" ON "media_asset" ("originalSha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_047490c66d535c87e35b2d7b1f" ON "media_asset" ("sha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3" ON "media_asset" ("createdAt") `);
        await queryRunner.query(`DROP INDEX "IDX_0a7be16c62610b5ed41c95d08b"`);
        await queryRunner.query(`DROP INDEX "IDX_902fd6815c4e17ddfe595d8172"`);
        await queryRunner.query(`DROP TABLE "media_job"`);
        await queryRunner.query(`DROP TABLE "loudness_target"`);
    }

}
