import { MigrationInterface, QueryRunner } from "typeorm";

export class Scheduling1795401279316 implements MigrationInterface {
    name = 'Scheduling1795401279316'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "plan_target" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(300) NOT NULL, "chuyenMucId" varchar NOT NULL, "scope" varchar(20) NOT NULL, "stationId" varchar, "unitId" varchar, "minPerMonth" integer NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE TABLE "chuyen_muc" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "code" varchar(50) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_66ca65e55606469597b6c8777b" ON "chuyen_muc" ("name") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_5cd420e574d530f09025a5c803" ON "chuyen_muc" ("code") `);
        await queryRunner.query(`CREATE TABLE "topic" ("id" varchar PRIMARY KEY NOT NULL, "chuyenMucId" varchar NOT NULL, "name" varchar(200) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_6f4fe52b36dad7575adce42ec6" ON "topic" ("chuyenMucId", "name") `);
        await queryRunner.query(`CREATE TABLE "calendar_token" ("id" varchar PRIMARY KEY NOT NULL, "scope" varchar(10) NOT NULL, "refId" varchar NOT NULL, "tokenHash" varchar(64) NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_54ffed72375d29af23c5bce781" ON "calendar_token" ("refId") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_3d6d1a68cde520c652730a4cd7" ON "calendar_token" ("tokenHash") `);
        await queryRunner.query(`CREATE TABLE "slot_target_ref" ("slotId" varchar NOT NULL, "kind" varchar(10) NOT NULL, "refId" varchar NOT NULL, PRIMARY KEY ("slotId", "kind", "refId"))`);
        await queryRunner.query(`CREATE INDEX "IDX_fd245c36f6dd2cef1a0cda4a78" ON "slot_target_ref" ("refId") `);
        await queryRunner.query(`CREATE TABLE "slot_override" ("id" varchar PRIMARY KEY NOT NULL, "slotId" varchar NOT NULL, "occurrenceAt" varchar(24) NOT NULL, "stationId" varchar, "action" varchar(10) NOT NULL, "movedTo" varchar(24), "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_29c316c1d208cf7b8b992c73fd" ON "slot_override" ("slotId", "occurrenceAt") `);
        await queryRunner.query(`CREATE TABLE "slot_action" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "slotId" varchar NOT NULL, "action" varchar(30) NOT NULL, "userId" varchar, "username" varchar(100) NOT NULL, "note" varchar(1000), "at" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_5f3de120d697d463b121882c5a" ON "slot_action" ("slotId", "at") `);
        await queryRunner.query(`CREATE TABLE "airing" ("stationId" varchar NOT NULL, "occurrenceId" varchar(200) NOT NULL, "slotId" varchar NOT NULL, "startAt" varchar(24) NOT NULL, "durationMs" integer NOT NULL, "priority" varchar(20) NOT NULL, "source" varchar(20) NOT NULL, "startMode" varchar(10) NOT NULL, "waitMs" integer NOT NULL, "clusterIds" text, PRIMARY KEY ("stationId", "occurrenceId"))`);
        await queryRunner.query(`CREATE INDEX "IDX_d897d924702515383a2bb1ceac" ON "airing" ("slotId") `);
        await queryRunner.query(`CREATE INDEX "IDX_c7bc61de0923d61b1cb577d1bc" ON "airing" ("stationId", "startAt") `);
        await queryRunner.query(`CREATE TABLE "station_group" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_c935bd79530f6b94f315558462" ON "station_group" ("name") `);
        await queryRunner.query(`CREATE TABLE "station_group_member" ("groupId" varchar NOT NULL, "stationId" varchar NOT NULL, PRIMARY KEY ("groupId", "stationId"))`);
        await queryRunner.query(`CREATE INDEX "IDX_aa470fc3bebcfbe59a77034d66" ON "station_group_member" ("stationId") `);
        await queryRunner.query(`CREATE TABLE "speaker_cluster" ("id" varchar PRIMARY KEY NOT NULL, "stationId" varchar NOT NULL, "name" varchar(200) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_4d456a3c6e740b0eb33f3aa819" ON "speaker_cluster" ("stationId", "name") `);
        await queryRunner.query(`DROP INDEX "IDX_a66805092aa02a28559a085b54"`);
        await queryRunner.query(`CREATE TABLE "temporary_programme" ("id" varchar PRIMARY KEY NOT NULL, "title" varchar(300) NOT NULL, "chuyenMuc" varchar(200) NOT NULL, "description" text NOT NULL DEFAULT (''), "mediaAssetId" varchar NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "chuyenMucId" varchar, "topicId" varchar)`);
        await queryRunner.query(`INSERT INTO "temporary_programme"("id", "title", "chuyenMuc", "description", "mediaAssetId", "createdBy", "createdAt") SELECT "id", "title", "chuyenMuc", "description", "mediaAssetId", "createdBy", "createdAt" FROM "programme"`);
        await queryRunner.query(`DROP TABLE "programme"`);
        await queryRunner.query(`ALTER TABLE "temporary_programme" RENAME TO "programme"`);
        await queryRunner.query(`CREATE INDEX "IDX_a66805092aa02a28559a085b54" ON "programme" ("chuyenMuc") `);
        await queryRunner.query(`DROP INDEX "IDX_eb27f4eab984f3b035ce5e3931"`);
        await queryRunner.query(`DROP INDEX "IDX_313c55c814053051e56b418bcb"`);
        await queryRunner.query(`DROP INDEX "IDX_2ae15133f3a632a0879429bb94"`);
        await queryRunner.query(`CREATE TABLE "temporary_slot" ("id" varchar PRIMARY KEY NOT NULL, "programmeId" varchar NOT NULL, "startAt" varchar(24) NOT NULL, "endAt" varchar(24) NOT NULL, "durationMs" integer NOT NULL, "priority" varchar(20) NOT NULL DEFAULT ('normal'), "source" varchar(20) NOT NULL DEFAULT ('relay'), "status" varchar(20) NOT NULL DEFAULT ('scheduled'), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "updatedAt" varchar(24) NOT NULL, "localStart" varchar(23), "timeZone" varchar(64) NOT NULL DEFAULT ('Asia/Ho_Chi_Minh'), "rule" varchar(500), "exdates" text NOT NULL DEFAULT ('[]'), "startMode" varchar(10) NOT NULL DEFAULT ('hard'), "waitMs" integer NOT NULL DEFAULT (0), "rejectionReason" varchar(1000))`);
        await queryRunner.query(`INSERT INTO "temporary_slot"("id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt") SELECT "id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt" FROM "slot"`);
        await queryRunner.query(`DROP TABLE "slot"`);
        await queryRunner.query(`ALTER TABLE "temporary_slot" RENAME TO "slot"`);
        await queryRunner.query(`CREATE INDEX "IDX_eb27f4eab984f3b035ce5e3931" ON "slot" ("endAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_313c55c814053051e56b418bcb" ON "slot" ("startAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_2ae15133f3a632a0879429bb94" ON "slot" ("programmeId") `);
        await queryRunner.query(`DROP INDEX "IDX_eb27f4eab984f3b035ce5e3931"`);
        await queryRunner.query(`DROP INDEX "IDX_313c55c814053051e56b418bcb"`);
        await queryRunner.query(`DROP INDEX "IDX_2ae15133f3a632a0879429bb94"`);
        await queryRunner.query(`CREATE TABLE "temporary_slot" ("id" varchar PRIMARY KEY NOT NULL, "programmeId" varchar NOT NULL, "startAt" varchar(24) NOT NULL, "endAt" varchar(24) NOT NULL, "durationMs" integer NOT NULL, "priority" varchar(20) NOT NULL DEFAULT ('normal'), "source" varchar(20) NOT NULL DEFAULT ('relay'), "status" varchar(20) NOT NULL DEFAULT ('draft'), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "updatedAt" varchar(24) NOT NULL, "localStart" varchar(23), "timeZone" varchar(64) NOT NULL DEFAULT ('Asia/Ho_Chi_Minh'), "rule" varchar(500), "exdates" text NOT NULL DEFAULT ('[]'), "startMode" varchar(10) NOT NULL DEFAULT ('hard'), "waitMs" integer NOT NULL DEFAULT (0), "rejectionReason" varchar(1000))`);
        await queryRunner.query(`INSERT INTO "temporary_slot"("id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt", "localStart", "timeZone", "rule", "exdates", "startMode", "waitMs", "rejectionReason") SELECT "id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt", "localStart", "timeZone", "rule", "exdates", "startMode", "waitMs", "rejectionReason" FROM "slot"`);
        await queryRunner.query(`DROP TABLE "slot"`);
        await queryRunner.query(`ALTER TABLE "temporary_slot" RENAME TO "slot"`);
        await queryRunner.query(`CREATE INDEX "IDX_eb27f4eab984f3b035ce5e3931" ON "slot" ("endAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_313c55c814053051e56b418bcb" ON "slot" ("startAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_2ae15133f3a632a0879429bb94" ON "slot" ("programmeId") `);
        await queryRunner.query(`CREATE INDEX "IDX_e2e405427c1ef19990e4df13c4" ON "programme" ("chuyenMucId") `);
        await queryRunner.query(`CREATE INDEX "IDX_9d8db5a5a4d541efbe814c2009" ON "slot" ("status") `);
        await queryRunner.query(`CREATE INDEX "IDX_cc0d95b6e543e1a612d30c0e81" ON "slot" ("createdBy") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_cc0d95b6e543e1a612d30c0e81"`);
        await queryRunner.query(`DROP INDEX "IDX_9d8db5a5a4d541efbe814c2009"`);
        await queryRunner.query(`DROP INDEX "IDX_e2e405427c1ef19990e4df13c4"`);
        await queryRunner.query(`DROP INDEX "IDX_2ae15133f3a632a0879429bb94"`);
        await queryRunner.query(`DROP INDEX "IDX_313c55c814053051e56b418bcb"`);
        await queryRunner.query(`DROP INDEX "IDX_eb27f4eab984f3b035ce5e3931"`);
        await queryRunner.query(`ALTER TABLE "slot" RENAME TO "temporary_slot"`);
        await queryRunner.query(`CREATE TABLE "slot" ("id" varchar PRIMARY KEY NOT NULL, "programmeId" varchar NOT NULL, "startAt" varchar(24) NOT NULL, "endAt" varchar(24) NOT NULL, "durationMs" integer NOT NULL, "priority" varchar(20) NOT NULL DEFAULT ('normal'), "source" varchar(20) NOT NULL DEFAULT ('relay'), "status" varchar(20) NOT NULL DEFAULT ('scheduled'), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "updatedAt" varchar(24) NOT NULL, "localStart" varchar(23), "timeZone" varchar(64) NOT NULL DEFAULT ('Asia/Ho_Chi_Minh'), "rule" varchar(500), "exdates" text NOT NULL DEFAULT ('[]'), "startMode" varchar(10) NOT NULL DEFAULT ('hard'), "waitMs" integer NOT NULL DEFAULT (0), "rejectionReason" varchar(1000))`);
        await queryRunner.query(`INSERT INTO "slot"("id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt", "localStart", "timeZone", "rule", "exdates", "startMode", "waitMs", "rejectionReason") SELECT "id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt", "localStart", "timeZone", "rule", "exdates", "startMode", "waitMs", "rejectionReason" FROM "temporary_slot"`);
        await queryRunner.query(`DROP TABLE "temporary_slot"`);
        await queryRunner.query(`CREATE INDEX "IDX_2ae15133f3a632a0879429bb94" ON "slot" ("programmeId") `);
        await queryRunner.query(`CREATE INDEX "IDX_313c55c814053051e56b418bcb" ON "slot" ("startAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_eb27f4eab984f3b035ce5e3931" ON "slot" ("endAt") `);
        await queryRunner.query(`DROP INDEX "IDX_2ae15133f3a632a0879429bb94"`);
        await queryRunner.query(`DROP INDEX "IDX_313c55c814053051e56b418bcb"`);
        await queryRunner.query(`DROP INDEX "IDX_eb27f4eab984f3b035ce5e3931"`);
        await queryRunner.query(`ALTER TABLE "slot" RENAME TO "temporary_slot"`);
        await queryRunner.query(`CREATE TABLE "slot" ("id" varchar PRIMARY KEY NOT NULL, "programmeId" varchar NOT NULL, "startAt" varchar(24) NOT NULL, "endAt" varchar(24) NOT NULL, "durationMs" integer NOT NULL, "priority" varchar(20) NOT NULL DEFAULT ('normal'), "source" varchar(20) NOT NULL DEFAULT ('relay'), "status" varchar(20) NOT NULL DEFAULT ('scheduled'), "createdBy" varchar, "createdAt" varchar(24) NOT NULL, "updatedAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`INSERT INTO "slot"("id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt") SELECT "id", "programmeId", "startAt", "endAt", "durationMs", "priority", "source", "status", "createdBy", "createdAt", "updatedAt" FROM "temporary_slot"`);
        await queryRunner.query(`DROP TABLE "temporary_slot"`);
        await queryRunner.query(`CREATE INDEX "IDX_2ae15133f3a632a0879429bb94" ON "slot" ("programmeId") `);
        await queryRunner.query(`CREATE INDEX "IDX_313c55c814053051e56b418bcb" ON "slot" ("startAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_eb27f4eab984f3b035ce5e3931" ON "slot" ("endAt") `);
        await queryRunner.query(`DROP INDEX "IDX_a66805092aa02a28559a085b54"`);
        await queryRunner.query(`ALTER TABLE "programme" RENAME TO "temporary_programme"`);
        await queryRunner.query(`CREATE TABLE "programme" ("id" varchar PRIMARY KEY NOT NULL, "title" varchar(300) NOT NULL, "chuyenMuc" varchar(200) NOT NULL, "description" text NOT NULL DEFAULT (''), "mediaAssetId" varchar NOT NULL, "createdBy" varchar, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`INSERT INTO "programme"("id", "title", "chuyenMuc", "description", "mediaAssetId", "createdBy", "createdAt") SELECT "id", "title", "chuyenMuc", "description", "mediaAssetId", "createdBy", "createdAt" FROM "temporary_programme"`);
        await queryRunner.query(`DROP TABLE "temporary_programme"`);
        await queryRunner.query(`CREATE INDEX "IDX_a66805092aa02a28559a085b54" ON "programme" ("chuyenMuc") `);
        await queryRunner.query(`DROP INDEX "IDX_4d456a3c6e740b0eb33f3aa819"`);
        await queryRunner.query(`DROP TABLE "speaker_cluster"`);
        await queryRunner.query(`DROP INDEX "IDX_aa470fc3bebcfbe59a77034d66"`);
        await queryRunner.query(`DROP TABLE "station_group_member"`);
        await queryRunner.query(`DROP INDEX "IDX_c935bd79530f6b94f315558462"`);
        await queryRunner.query(`DROP TABLE "station_group"`);
        await queryRunner.query(`DROP INDEX "IDX_c7bc61de0923d61b1cb577d1bc"`);
        await queryRunner.query(`DROP INDEX "IDX_d897d924702515383a2bb1ceac"`);
        await queryRunner.query(`DROP TABLE "airing"`);
        await queryRunner.query(`DROP INDEX "IDX_5f3de120d697d463b121882c5a"`);
        await queryRunner.query(`DROP TABLE "slot_action"`);
        await queryRunner.query(`DROP INDEX "IDX_29c316c1d208cf7b8b992c73fd"`);
        await queryRunner.query(`DROP TABLE "slot_override"`);
        await queryRunner.query(`DROP INDEX "IDX_fd245c36f6dd2cef1a0cda4a78"`);
        await queryRunner.query(`DROP TABLE "slot_target_ref"`);
        await queryRunner.query(`DROP INDEX "IDX_3d6d1a68cde520c652730a4cd7"`);
        await queryRunner.query(`DROP INDEX "IDX_54ffed72375d29af23c5bce781"`);
        await queryRunner.query(`DROP TABLE "calendar_token"`);
        await queryRunner.query(`DROP INDEX "IDX_6f4fe52b36dad7575adce42ec6"`);
        await queryRunner.query(`DROP TABLE "topic"`);
        await queryRunner.query(`DROP INDEX "IDX_5cd420e574d530f09025a5c803"`);
        await queryRunner.query(`DROP INDEX "IDX_66ca65e55606469597b6c8777b"`);
        await queryRunner.query(`DROP TABLE "chuyen_muc"`);
        await queryRunner.query(`DROP TABLE "plan_target"`);
    }

}
