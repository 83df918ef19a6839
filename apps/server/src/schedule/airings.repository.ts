import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { binder, engineOf } from '../database/sql';
import { Station } from '../stations/station.entity';
import { Airing } from './slot.entity';

/** Airing rows per INSERT: ten bound values each, well within SQLite's and PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 100;
const AIRING_COLUMNS = ['stationId', 'occurrenceId', 'slotId', 'startAt', 'durationMs', 'priority', 'source', 'startMode', 'waitMs', 'clusterIds'] as const;

/** The materialised airings: the only place that writes them with hand-made SQL, for both engines. */
@Injectable()
export class AiringsRepository {
  /**
   * Replaces the given stations' airings within the window by `rows`, inside the caller's transaction,
   * and raises those stations' schedule versions.
   */
  async replaceWindow(m: EntityManager, stationIds: readonly string[], window: { from: string; to: string }, rows: readonly Airing[]): Promise<void> {
    const engine = engineOf(m);
    await m
      .createQueryBuilder()
      .delete()
      .from(Airing)
      .where('"stationId" IN (:...stationIds) AND "startAt" >= :from AND "startAt" < :to', { stationIds, ...window })
      .execute();
    // An airing moved out of the window keeps no stale row behind; one with the same id is replaced.
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const batch = rows.slice(i, i + ROWS_PER_STATEMENT);
      let p = binder(engine);
      await m.query(
        `DELETE FROM "airing" WHERE ("stationId", "occurrenceId") IN (VALUES ${batch.map(() => `(${p()}, ${p()})`).join(', ')})`,
        batch.flatMap((r) => [r.stationId, r.occurrenceId]),
      );
      p = binder(engine);
      await m.query(
        `INSERT INTO "airing" (${AIRING_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${batch.map(() => `(${AIRING_COLUMNS.map(() => p()).join(', ')})`).join(', ')}`,
        batch.flatMap((r) => [r.stationId, r.occurrenceId, r.slotId, r.startAt, r.durationMs, r.priority, r.source, r.startMode, r.waitMs, r.clusterIds === null ? null : JSON.stringify(r.clusterIds)]),
      );
    }
    await m
      .createQueryBuilder()
      .update(Station)
      .set({ scheduleVersion: () => '"scheduleVersion" + 1' })
      .where('"id" IN (:...stationIds)', { stationIds })
      .execute();
  }
}
