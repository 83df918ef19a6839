import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { StationEnrolment } from './station-enrolment.entity';
import { Station } from './station.entity';
import type { AgentHealth, OutputStatus } from '@loa/protocol';
import { binder, engineOf } from '../database/sql';

/** What an agent's status says about its schedule and cache. */
export interface AgentState {
  scheduleVersion: number | null;
  cacheReady: boolean;
  missingFiles: number;
  /** The sound output as last probed; null for players without a device. */
  output?: OutputStatus | null;
}

/** A station's last contact, as the agent link reports it, with what its last status said when it sent one. */
export interface SeenReport {
  at: string;
  agentVersion: string | null;
  state: AgentState | null;
  /** The box's own last report, when one arrived since the last write. */
  health: AgentHealth | null;
}

/** One statement per this many stations. */
const SEEN_CHUNK = 300;

/** What may change on a station after it is made. */
export type StationChange = Partial<Pick<Station, 'name' | 'unitId' | 'disabledAt' | 'quietStart' | 'quietEnd' | 'languages' | 'tokenHash' | 'tokenHint' | 'tokenIssuedAt'>>;

/** Every read and write of station rows: entity queries, and hand-made SQL for both engines. */
@Injectable()
export class StationsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private get stations() {
    return this.db.getRepository(Station);
  }

  byId(id: string): Promise<Station | null> {
    return this.stations.findOneBy({ id });
  }

  byIds(ids: readonly string[]): Promise<Station[]> {
    return ids.length ? this.stations.findBy({ id: In([...ids]) }) : Promise.resolve([]);
  }

  byTokenHash(tokenHash: string): Promise<Station | null> {
    return this.stations.findOneBy({ tokenHash });
  }

  /** The stations holding these token hashes, in one statement. */
  byTokenHashes(tokenHashes: readonly string[]): Promise<Station[]> {
    return tokenHashes.length ? this.stations.findBy({ tokenHash: In([...tokenHashes]) }) : Promise.resolve([]);
  }

  codeTaken(code: string): Promise<boolean> {
    return this.stations.existsBy({ code });
  }

  /** Stations in these units (all when absent), by name. */
  inUnits(unitIds?: readonly string[]): Promise<Station[]> {
    return this.stations.find({ where: unitIds ? { unitId: In([...unitIds]) } : {}, order: { name: 'ASC' } });
  }

  /** When each station's enrolment code not yet used runs out (a station has at most one; stations without one are absent). */
  async openEnrolments(): Promise<Map<string, string>> {
    const rows = await this.db.getRepository(StationEnrolment).find({ select: { stationId: true, expiresAt: true }, where: { usedAt: IsNull() } });
    const out = new Map<string, string>();
    for (const r of rows) if ((out.get(r.stationId) ?? '') < r.expiresAt) out.set(r.stationId, r.expiresAt);
    return out;
  }

  insert(row: Omit<Station, 'id'>): Promise<Station> {
    return this.stations.save(this.stations.create(row));
  }

  async update(id: string, change: StationChange): Promise<void> {
    await this.stations.update({ id }, change);
  }

  /** A new schedule version for the station: its agent takes the snapshot again. */
  async raiseScheduleVersion(id: string): Promise<void> {
    await this.stations.createQueryBuilder().update(Station).set({ scheduleVersion: () => '"scheduleVersion" + 1' }).where('"id" = :id', { id }).execute();
  }

  /**
   * Records when each station was last seen (and its agent version, keeping the known one when none is
   * reported) and what its agent last said it holds, a few hundred stations per statement, all in one
   * transaction.
   */
  async recordSeen(batch: readonly [string, SeenReport][]): Promise<void> {
    const engine = engineOf(this.db);
    await this.db.transaction(async (m) => {
      for (let i = 0; i < batch.length; i += SEEN_CHUNK) {
        const chunk = batch.slice(i, i + SEEN_CHUNK);
        const p = binder(engine);
        const params = chunk.flatMap(([id, { at, agentVersion }]) => [id, at, agentVersion]);
        // PostgreSQL types a VALUES list from its first row, so the instant and the version say what they are.
        const values = chunk.map(() => (engine === 'postgres' ? `(${p()}, ${p()}::timestamptz, ${p()}::varchar)` : `(${p()}, ${p()}, ${p()})`)).join(', ');
        await m.query(
          `UPDATE "station" SET "lastSeenAt" = seen.column2, "agentVersion" = COALESCE(seen.column3, "station"."agentVersion")
           FROM (VALUES ${values}) AS seen WHERE "station"."id" = seen.column1`,
          params,
        );
        const states = chunk.filter(([, s]) => s.state !== null);
        if (!states.length) continue;
        const q = binder(engine);
        const rows = states
          .map(() => (engine === 'postgres' ? `(${q()}, ${q()}::integer, ${q()}::integer, ${q()}::timestamptz, ${q()}::text)` : `(${q()}, ${q()}, ${q()}, ${q()}, ${q()})`))
          .join(', ');
        await m.query(
          `INSERT INTO "station_agent_state" ("stationId", "scheduleVersion", "missingFiles", "reportedAt", "output")
           VALUES ${rows}
           ON CONFLICT ("stationId") DO UPDATE SET "scheduleVersion" = excluded."scheduleVersion", "missingFiles" = excluded."missingFiles", "reportedAt" = excluded."reportedAt", "output" = excluded."output"`,
          states.flatMap(([id, { at, state }]) => [
            id,
            state!.scheduleVersion,
            state!.cacheReady ? 0 : Math.max(1, state!.missingFiles),
            at,
            state!.output ? JSON.stringify(state!.output) : null,
          ]),
        );
      }
      // Health reports are a few per station per minute at most: one statement each is fine.
      for (const [id, { at, health }] of batch) {
        if (!health) continue;
        const h = binder(engine);
        const cast = (type: string) => (engine === 'postgres' ? `::${type}` : '');
        await m.query(
          `INSERT INTO "station_agent_state" ("stationId", "scheduleVersion", "missingFiles", "reportedAt", "health", "healthAt")
           VALUES (${h()}, NULL, ${h()}${cast('integer')}, ${h()}${cast('timestamptz')}, ${h()}${cast('text')}, ${h()}${cast('timestamptz')})
           ON CONFLICT ("stationId") DO UPDATE SET "health" = excluded."health", "healthAt" = excluded."healthAt"`,
          [id, health.missing.length, at, JSON.stringify(health), at],
        );
      }
    });
  }
}
