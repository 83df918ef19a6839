import { MigrationInterface, QueryRunner } from "typeorm";

export class Init1795399868408 implements MigrationInterface {
    name = 'Init1795399868408'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "logbook_line" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "stationId" varchar NOT NULL, "stationName" varchar(200) NOT NULL, "unitId" varchar NOT NULL, "occurrenceId" varchar(200) NOT NULL, "slotId" varchar NOT NULL, "programmeId" varchar NOT NULL, "programmeTitle" varchar(300) NOT NULL, "chuyenMuc" varchar(200) NOT NULL, "source" varchar(20) NOT NULL, "priority" varchar(20) NOT NULL, "plannedStart" varchar(24) NOT NULL, "actualStart" varchar(24), "endedAt" varchar(24), "durationMs" integer, "plannedDurationMs" integer NOT NULL, "startErrorMs" real, "result" varchar(20) NOT NULL, "reason" varchar(30), "detail" varchar(1000), "recordedBy" varchar(100) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_0941aab1aa930b04087330bc0a" ON "logbook_line" ("unitId") `);
        await queryRunner.query(`CREATE INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a" ON "logbook_line" ("chuyenMuc") `);
        await queryRunner.query(`CREATE INDEX "IDX_3c11d0005de868c83c917f43af" ON "logbook_line" ("plannedStart") `);
        await queryRunner.query(`CREATE INDEX "IDX_2e5626f2be7867eabdd5b70c06" ON "logbook_line" ("stationId", "plannedStart") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_91b844537aacb77e1996236d47" ON "logbook_line" ("stationId", "occurrenceId") `);
        await queryRunner.query(`CREATE TABLE "media_asset" ("id" varchar PRIMARY KEY NOT NULL, "status" varchar CHECK( "status" IN ('processing','ready','failed') ) NOT NULL, "originalName" varchar(255) NOT NULL, "originalSha256" varchar(64) NOT NULL, "originalExt" varchar(10) NOT NULL, "originalSize" bigint NOT NULL, "originalFormat" varchar(100) NOT NULL, "originalDurationMs" integer NOT NULL, "sha256" varchar(64), "size" bigint, "durationMs" integer, "sampleRate" integer, "channels" integer, "bitrateKbps" integer, "progress" integer NOT NULL DEFAULT (0), "error" varchar(500), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "readyAt" varchar(24))`);
        await queryRunner.query(`CREATE INDEX "IDX_8fba21420e28db85508fc772c5" ON "media_asset" ("status") `);
        await queryRunner.query(`CREATE INDEX "IDX_06b4a9e89c29addba092fd5fc7" ON "media_asset" ("originalSha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_047490c66d535c87e35b2d7b1f" ON "media_asset" ("sha256") `);
        await queryRunner.query(`CREATE INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3" ON "media_asset" ("createdAt") `);
        await queryRunner.query(`CREATE TABLE "playback_event" ("id" varchar(36) PRIMARY KEY NOT NULL, "stationId" varchar NOT NULL, "occurrenceId" varchar(200) NOT NULL, "slotId" varchar NOT NULL, "kind" varchar(20) NOT NULL, "plannedAt" varchar(24) NOT NULL, "startedAt" varchar(24), "endedAt" varchar(24), "startErrorMs" real, "playedMs" integer, "reason" varchar(30), "detail" varchar(1000), "receivedAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_fdb1d2daaff6918f274fe28c52" ON "playback_event" ("stationId", "occurrenceId") `);
        await queryRunner.query(`CREATE TABLE "programme" ("id" varchar PRIMARY KEY NOT NULL, "title" varchar(300) NOT NULL, "chuyenMuc" varchar(200) NOT NULL, "description" text NOT NULL DEFAULT (''), "mediaAssetId" varchar NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_a66805092aa02a28559a085b54" ON "programme" ("chuyenMuc") `);
        await queryRunner.query(`CREATE TABLE "slot" ("id" varchar PRIMARY KEY NOT NULL, "programmeId" varchar NOT NULL, "startAt" varchar(24) NOT NULL, "endAt" varchar(24) NOT NULL, "durationMs" integer NOT NULL, "priority" varchar(20) NOT NULL DEFAULT ('normal'), "source" varchar(20) NOT NULL DEFAULT ('relay'), "status" varchar(20) NOT NULL DEFAULT ('scheduled'), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "updatedAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_2ae15133f3a632a0879429bb94" ON "slot" ("programmeId") `);
        await queryRunner.query(`CREATE INDEX "IDX_313c55c814053051e56b418bcb" ON "slot" ("startAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_eb27f4eab984f3b035ce5e3931" ON "slot" ("endAt") `);
        await queryRunner.query(`CREATE TABLE "slot_target" ("slotId" varchar NOT NULL, "stationId" varchar NOT NULL, PRIMARY KEY ("slotId", "stationId"))`);
        await queryRunner.query(`CREATE INDEX "IDX_680dd3d65d1bb9649bff487b7f" ON "slot_target" ("stationId") `);
        await queryRunner.query(`CREATE TABLE "station" ("id" varchar PRIMARY KEY NOT NULL, "unitId" varchar NOT NULL, "name" varchar(200) NOT NULL, "code" varchar(50) NOT NULL, "tokenHash" varchar(64), "tokenHint" varchar(20), "tokenIssuedAt" varchar(24), "scheduleVersion" integer NOT NULL DEFAULT (0), "lastSeenAt" varchar(24), "agentVersion" varchar(50), "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_b7b7d5d074f87ff2bc2be77733" ON "station" ("unitId") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_c99c0125a3c03ea4842fb9c5d0" ON "station" ("code") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_1c4e13f25cbb09f07d3b8cde77" ON "station" ("tokenHash") `);
        await queryRunner.query(`CREATE TABLE "unit" ("id" varchar PRIMARY KEY NOT NULL, "parentId" varchar, "name" varchar(200) NOT NULL, "kind" varchar(50) NOT NULL, "code" varchar(50), "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_5dd750900308d1d70a3848b92c" ON "unit" ("parentId") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_dfb75cdb2a790fb84327e1d1b1" ON "unit" ("code") `);
        await queryRunner.query(`CREATE TABLE "user" ("id" varchar PRIMARY KEY NOT NULL, "username" varchar(100) NOT NULL, "displayName" varchar(200) NOT NULL, "passwordHash" varchar(300) NOT NULL, "role" varchar(20) NOT NULL, "unitId" varchar, "disabled" boolean NOT NULL DEFAULT (0), "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_78a916df40e02a9deb1c4b75ed" ON "user" ("username") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_78a916df40e02a9deb1c4b75ed"`);
        await queryRunner.query(`DROP TABLE "user"`);
        await queryRunner.query(`DROP INDEX "IDX_dfb75cdb2a790fb84327e1d1b1"`);
        await queryRunner.query(`DROP INDEX "IDX_5dd750900308d1d70a3848b92c"`);
        await queryRunner.query(`DROP TABLE "unit"`);
        await queryRunner.query(`DROP INDEX "IDX_1c4e13f25cbb09f07d3b8cde77"`);
        await queryRunner.query(`DROP INDEX "IDX_c99c0125a3c03ea4842fb9c5d0"`);
        await queryRunner.query(`DROP INDEX "IDX_b7b7d5d074f87ff2bc2be77733"`);
        await queryRunner.query(`DROP TABLE "station"`);
        await queryRunner.query(`DROP INDEX "IDX_680dd3d65d1bb9649bff487b7f"`);
        await queryRunner.query(`DROP TABLE "slot_target"`);
        await queryRunner.query(`DROP INDEX "IDX_eb27f4eab984f3b035ce5e3931"`);
        await queryRunner.query(`DROP INDEX "IDX_313c55c814053051e56b418bcb"`);
        await queryRunner.query(`DROP INDEX "IDX_2ae15133f3a632a0879429bb94"`);
        await queryRunner.query(`DROP TABLE "slot"`);
        await queryRunner.query(`DROP INDEX "IDX_a66805092aa02a28559a085b54"`);
        await queryRunner.query(`DROP TABLE "programme"`);
        await queryRunner.query(`DROP INDEX "IDX_fdb1d2daaff6918f274fe28c52"`);
        await queryRunner.query(`DROP TABLE "playback_event"`);
        await queryRunner.query(`DROP INDEX "IDX_8eecfb0f6bcfdc3b8f464cbdf3"`);
        await queryRunner.query(`DROP INDEX "IDX_047490c66d535c87e35b2d7b1f"`);
        await queryRunner.query(`DROP INDEX "IDX_06b4a9e89c29addba092fd5fc7"`);
        await queryRunner.query(`DROP INDEX "IDX_8fba21420e28db85508fc772c5"`);
        await queryRunner.query(`DROP TABLE "media_asset"`);
        await queryRunner.query(`DROP INDEX "IDX_91b844537aacb77e1996236d47"`);
        await queryRunner.query(`DROP INDEX "IDX_2e5626f2be7867eabdd5b70c06"`);
        await queryRunner.query(`DROP INDEX "IDX_3c11d0005de868c83c917f43af"`);
        await queryRunner.query(`DROP INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a"`);
        await queryRunner.query(`DROP INDEX "IDX_0941aab1aa930b04087330bc0a"`);
        await queryRunner.query(`DROP TABLE "logbook_line"`);
    }

}
