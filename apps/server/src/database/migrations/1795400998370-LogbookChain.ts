import { MigrationInterface, QueryRunner } from "typeorm";

export class LogbookChain1795400998370 implements MigrationInterface {
    name = 'LogbookChain1795400998370'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_91b844537aacb77e1996236d47"`);
        await queryRunner.query(`CREATE TABLE "logbook_export" ("id" varchar PRIMARY KEY NOT NULL, "userId" varchar, "username" varchar(100) NOT NULL, "format" varchar(20) NOT NULL, "filter" varchar(2000) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_24d604d50aa67c53b1083432d7" ON "logbook_export" ("createdAt") `);
        await queryRunner.query(`CREATE TABLE "logbook_seal" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "stationId" varchar NOT NULL, "day" varchar(10) NOT NULL, "lastChainPos" integer NOT NULL, "lastLineHash" varchar(64) NOT NULL, "lineCount" integer NOT NULL, "digest" varchar(64) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_8b8c73b622adef2b314e961c12" ON "logbook_seal" ("stationId", "day") `);
        await queryRunner.query(`DROP INDEX "IDX_2e5626f2be7867eabdd5b70c06"`);
        await queryRunner.query(`DROP INDEX "IDX_3c11d0005de868c83c917f43af"`);
        await queryRunner.query(`DROP INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a"`);
        await queryRunner.query(`DROP INDEX "IDX_0941aab1aa930b04087330bc0a"`);
        await queryRunner.query(`CREATE TABLE "temporary_logbook_line" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "stationId" varchar NOT NULL, "stationName" varchar(200) NOT NULL, "unitId" varchar NOT NULL, "occurrenceId" varchar(200) NOT NULL, "slotId" varchar NOT NULL, "programmeId" varchar NOT NULL, "programmeTitle" varchar(300) NOT NULL, "chuyenMuc" varchar(200) NOT NULL, "source" varchar(20) NOT NULL, "priority" varchar(20) NOT NULL, "plannedStart" varchar(24) NOT NULL, "actualStart" varchar(24), "endedAt" varchar(24), "durationMs" integer, "plannedDurationMs" integer NOT NULL, "startErrorMs" real, "result" varchar(20) NOT NULL, "reason" varchar(30), "detail" varchar(1000), "recordedBy" varchar(100) NOT NULL, "createdAt" varchar(24) NOT NULL, "year" integer NOT NULL, "number" integer NOT NULL, "chainPos" integer NOT NULL, "revision" integer NOT NULL DEFAULT (0), "amendsLineId" integer, "correctionReason" varchar(500), "topic" varchar(200), "speakerClusters" varchar(500), "contentHash" varchar(64) NOT NULL, "prevHash" varchar(64) NOT NULL, "lineHash" varchar(64) NOT NULL)`);
        await queryRunner.query(`INSERT INTO "temporary_logbook_line"("id", "stationId", "stationName", "unitId", "occurrenceId", "slotId", "programmeId", "programmeTitle", "chuyenMuc", "source", "priority", "plannedStart", "actualStart", "endedAt", "durationMs", "plannedDurationMs", "startErrorMs", "result", "reason", "detail", "recordedBy", "createdAt") SELECT "id", "stationId", "stationName", "unitId", "occurrenceId", "slotId", "programmeId", "programmeTitle", "chuyenMuc", "source", "priority", "plannedStart", "actualStart", "endedAt", "durationMs", "plannedDurationMs", "startErrorMs", "result", "reason", "detail", "recordedBy", "createdAt" FROM "logbook_line"`);
        await queryRunner.query(`DROP TABLE "logbook_line"`);
        await queryRunner.query(`ALTER TABLE "temporary_logbook_line" RENAME TO "logbook_line"`);
        await queryRunner.query(`CREATE INDEX "IDX_2e5626f2be7867eabdd5b70c06" ON "logbook_line" ("stationId", "plannedStart") `);
        await queryRunner.query(`CREATE INDEX "IDX_3c11d0005de868c83c917f43af" ON "logbook_line" ("plannedStart") `);
        await queryRunner.query(`CREATE INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a" ON "logbook_line" ("chuyenMuc") `);
        await queryRunner.query(`CREATE INDEX "IDX_0941aab1aa930b04087330bc0a" ON "logbook_line" ("unitId") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_c30f34d55aa31ab0b6a30730b5" ON "logbook_line" ("stationId", "year", "number") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_ef87845b45777c32394937cfe3" ON "logbook_line" ("stationId", "chainPos") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_8231a9b4f85301326c23188d41" ON "logbook_line" ("stationId", "occurrenceId", "revision") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_8231a9b4f85301326c23188d41"`);
        await queryRunner.query(`DROP INDEX "IDX_ef87845b45777c32394937cfe3"`);
        await queryRunner.query(`DROP INDEX "IDX_c30f34d55aa31ab0b6a30730b5"`);
        await queryRunner.query(`DROP INDEX "IDX_0941aab1aa930b04087330bc0a"`);
        await queryRunner.query(`DROP INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a"`);
        await queryRunner.query(`DROP INDEX "IDX_3c11d0005de868c83c917f43af"`);
        await queryRunner.query(`DROP INDEX "IDX_2e5626f2be7867eabdd5b70c06"`);
        await queryRunner.query(`ALTER TABLE "logbook_line" RENAME TO "temporary_logbook_line"`);
        await queryRunner.query(`CREATE TABLE "logbook_line" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "stationId" varchar NOT NULL, "stationName" varchar(200) NOT NULL, "unitId" varchar NOT NULL, "occurrenceId" varchar(200) NOT NULL, "slotId" varchar NOT NULL, "programmeId" varchar NOT NULL, "programmeTitle" varchar(300) NOT NULL, "chuyenMuc" varchar(200) NOT NULL, "source" varchar(20) NOT NULL, "priority" varchar(20) NOT NULL, "plannedStart" varchar(24) NOT NULL, "actualStart" varchar(24), "endedAt" varchar(24), "durationMs" integer, "plannedDurationMs" integer NOT NULL, "startErrorMs" real, "result" varchar(20) NOT NULL, "reason" varchar(30), "detail" varchar(1000), "recordedBy" varchar(100) NOT NULL, "createdAt" varchar(24) NOT NULL)`);
        await queryRunner.query(`INSERT INTO "logbook_line"("id", "stationId", "stationName", "unitId", "occurrenceId", "slotId", "programmeId", "programmeTitle", "chuyenMuc", "source", "priority", "plannedStart", "actualStart", "endedAt", "durationMs", "plannedDurationMs", "startErrorMs", "result", "reason", "detail", "recordedBy", "createdAt") SELECT "id", "stationId", "stationName", "unitId", "occurrenceId", "slotId", "programmeId", "programmeTitle", "chuyenMuc", "source", "priority", "plannedStart", "actualStart", "endedAt", "durationMs", "plannedDurationMs", "startErrorMs", "result", "reason", "detail", "recordedBy", "createdAt" FROM "temporary_logbook_line"`);
        await queryRunner.query(`DROP TABLE "temporary_logbook_line"`);
        await queryRunner.query(`CREATE INDEX "IDX_0941aab1aa930b04087330bc0a" ON "logbook_line" ("unitId") `);
        await queryRunner.query(`CREATE INDEX "IDX_9d4a38e7bd963b4cc04ff8f50a" ON "logbook_line" ("chuyenMuc") `);
        await queryRunner.query(`CREATE INDEX "IDX_3c11d0005de868c83c917f43af" ON "logbook_line" ("plannedStart") `);
        await queryRunner.query(`CREATE INDEX "IDX_2e5626f2be7867eabdd5b70c06" ON "logbook_line" ("stationId", "plannedStart") `);
        await queryRunner.query(`DROP INDEX "IDX_8b8c73b622adef2b314e961c12"`);
        await queryRunner.query(`DROP TABLE "logbook_seal"`);
        await queryRunner.query(`DROP INDEX "IDX_24d604d50aa67c53b1083432d7"`);
        await queryRunner.query(`DROP TABLE "logbook_export"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_91b844537aacb77e1996236d47" ON "logbook_line" ("stationId", "occurrenceId") `);
    }

}
