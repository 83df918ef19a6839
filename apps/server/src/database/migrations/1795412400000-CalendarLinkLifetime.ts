import { MigrationInterface, QueryRunner } from "typeorm";
import { createAuditTriggers, dropAuditTriggers } from "../../audit/audit-triggers";

/** How long a link made before this migration lasts from its making. */
const EXISTING_LINK_DAYS = 180;

/** Calendar links get an expiry and can be revoked; links made before now expire 180 days after they were made. */
export class CalendarLinkLifetime1795412400000 implements MigrationInterface {
    name = 'CalendarLinkLifetime1795412400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // The backfill below is not a change anyone made: no audit entries for it.
        await dropAuditTriggers(queryRunner, "calendar_token");
        await queryRunner.query(`ALTER TABLE "calendar_token" ADD COLUMN "expiresAt" varchar(24)`);
        await queryRunner.query(`ALTER TABLE "calendar_token" ADD COLUMN "revokedAt" varchar(24)`);
        // Computed here rather than in SQL, so the statement reads the same on every engine.
        const rows = (await queryRunner.query(`SELECT "id", "createdAt" FROM "calendar_token"`)) as { id: string; createdAt: string }[];
        for (const row of rows) {
            const expiresAt = new Date(Date.parse(row.createdAt) + EXISTING_LINK_DAYS * 86_400_000).toISOString();
            await queryRunner.manager.createQueryBuilder().update("calendar_token").set({ expiresAt }).where(`"id" = :id`, { id: row.id }).execute();
        }
        await createAuditTriggers(queryRunner, { table: "calendar_token", redact: ["tokenHash"] });
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await dropAuditTriggers(queryRunner, "calendar_token");
        await queryRunner.query(`ALTER TABLE "calendar_token" DROP COLUMN "revokedAt"`);
        await queryRunner.query(`ALTER TABLE "calendar_token" DROP COLUMN "expiresAt"`);
        await createAuditTriggers(queryRunner, { table: "calendar_token", redact: ["tokenHash"] });
    }
}
