import { MigrationInterface, QueryRunner } from "typeorm";
import { AuditedTable, createPostgresAuditTrigger, dropPostgresAuditTrigger, POSTGRES_AUDIT_FUNCTION } from "../../../audit/audit-triggers";

/** The tables the SQLite triggers audit (AccessAudit1795410329555), audited the same way here. */
const AUDITED: AuditedTable[] = [
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

export class AuditTriggers1796413559128 implements MigrationInterface {
    name = 'AuditTriggers1796413559128'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(POSTGRES_AUDIT_FUNCTION);
        for (const spec of AUDITED) await createPostgresAuditTrigger(queryRunner, spec);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        for (const spec of AUDITED) await dropPostgresAuditTrigger(queryRunner, spec.table);
        await queryRunner.query(`DROP FUNCTION IF EXISTS loa_audit()`);
    }

}
