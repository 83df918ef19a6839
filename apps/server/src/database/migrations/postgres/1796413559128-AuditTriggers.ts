import { MigrationInterface, QueryRunner } from "typeorm";
import { createPostgresAuditTrigger, dropPostgresAuditTrigger, POSTGRES_AUDIT_FUNCTION } from "../../../audit/audit-triggers";
/** The tables the SQLite triggers audit, audited the same way here. */
import { AUDITED } from "../1795410329555-AccessAudit";


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
