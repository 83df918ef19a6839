import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/events';
import { Expansions } from './expand';
import { ScheduleRepository } from './schedule.repository';
import { applyOrders } from './airing-order';
import { occurrenceIdOf } from './snapshot';
import type { Airing } from './slot.entity';
import { resolveTargets } from './targets';
import { HolidaysService } from '../holidays/holidays.service';
import type { AiringRules } from './day-rules';
import { toInstant } from '@loa/protocol';

/** Snapshots reach back this far, so an agent that was briefly away still learns what it missed. */
export const SNAPSHOT_LOOKBACK_MS = 6 * 3600 * 1000;
/** Materialised airings are kept this long after their instant, for late reports from agents. */
export const AIRING_RETENTION_MS = 60 * 24 * 3600 * 1000;
/** Stations whose look-ahead is rebuilt in one transaction, one turn of the event loop. */
const MATERIALISE_BATCH = 50;

/**
 * The materialised look-ahead: each station's approved airings from a little while ago to the end of the
 * schedule window, stored so that snapshots and proof-of-play checks read rows instead of expanding rules.
 */
@Injectable()
export class LookAhead {
  constructor(
    private readonly store: ScheduleRepository,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'scheduleWindowMs'>,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    @Inject(HolidaysService) private readonly days: Pick<HolidaysService, 'rulesFor'>,
  ) {}

  /** Rebuilds every station's look-ahead; announces the stations whose schedule changed. */
  async refreshAll(): Promise<string[]> {
    return this.refreshStations(await this.store.stationIds());
  }

  /** Rebuilds these stations' look-ahead (after a schedule change, or a new station under a targeted unit). */
  async refreshStations(stationIds: readonly string[]): Promise<string[]> {
    const changed = await this.materialiseInTurns(stationIds);
    if (changed.length) this.events.emit({ type: 'schedule.changed', stationIds: changed });
    return changed;
  }

  /** Forgets materialised airings long past. */
  expire(): Promise<number> {
    return this.store.expireAirings(toInstant(this.clock.now() - AIRING_RETENTION_MS));
  }

  /**
   * Rebuilds the look-ahead of many stations a few dozen at a time, each batch in a transaction of its own
   * that reads the schedule afresh, with the event loop free between batches: a slot for a whole province
   * must not hold up live audio or the agents' sockets while its thousands of airings are written. The
   * look-ahead is derived from the slots, and rebuilt at start-up, so a change interrupted between batches
   * is completed then. Returns the stations whose look-ahead changed.
   */
  private async materialiseInTurns(stationIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(stationIds)];
    const changed: string[] = [];
    if (!unique.length) return changed;
    // Once for all batches, and outside their transactions: a read on another connection from inside one
    // can wait forever for a pool that other open transactions hold.
    const now = this.clock.now();
    const [from, to] = [now - SNAPSHOT_LOOKBACK_MS, now + this.config.scheduleWindowMs];
    const rules = await this.days.rulesFor(from, to, await this.store.liveSlots(['approved'], from, to));
    for (let i = 0; i < unique.length; i += MATERIALISE_BATCH) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      changed.push(...(await this.store.transaction((tx) => this.materialise(tx, unique.slice(i, i + MATERIALISE_BATCH), rules))));
    }
    return changed;
  }

  /**
   * Recomputes the approved airings of `stationIds` in the look-ahead window and, where they differ from
   * what is stored, replaces them and raises the station's schedule version. Returns the changed stations.
   */
  private async materialise(tx: ScheduleRepository, stationIds: readonly string[], rules: AiringRules): Promise<string[]> {
    if (!stationIds.length) return [];
    await tx.lockLookAhead(stationIds);
    const now = this.clock.now();
    const from = now - SNAPSHOT_LOOKBACK_MS;
    const to = now + this.config.scheduleWindowMs;
    const window = { from: toInstant(from), to: toInstant(to) };
    const slots = await tx.liveSlots(['approved'], from, to);
    const slotIds = slots.map((s) => s.id);
    const [world, targets, overrides, storedRows, orders] = await tx.reads(
      () => tx.world(),
      () => tx.targetsOf(slotIds),
      () => tx.overridesOf(slotIds),
      () => tx.airings(stationIds, window),
      () => tx.ordersOf(stationIds),
    );
    const maps = new Map(slots.map((s) => [s.id, resolveTargets(targets.filter((t) => t.slotId === s.id), world)]));
    const stored = new Map<string, Airing[]>();
    for (const row of storedRows) {
      const list = stored.get(row.stationId);
      if (list) list.push(row);
      else stored.set(row.stationId, [row]);
    }
    const expansions = new Expansions(rules);
    const changed: string[] = [];
    const rows: Airing[] = [];
    for (const stationId of new Set(stationIds)) {
      let desired: Airing[] = [];
      for (const slot of slots) {
        const map = maps.get(slot.id)!;
        if (!map.has(stationId)) continue;
        for (const at of expansions.airingsOf(slot, overrides, stationId, from, to)) {
          desired.push({
            stationId,
            occurrenceId: occurrenceIdOf(slot.id, toInstant(at)),
            slotId: slot.id,
            startAt: toInstant(at),
            durationMs: slot.durationMs,
            priority: slot.priority,
            source: slot.source,
            startMode: slot.startMode,
            waitMs: slot.waitMs,
            clusterIds: map.get(stationId) ?? null,
          });
        }
      }
      // The order the station chose for its clashing priority airings: the second waits for the first.
      desired = applyOrders(desired, orders.filter((o) => o.stationId === stationId));
      if (sameAirings(stored.get(stationId) ?? [], desired)) continue;
      changed.push(stationId);
      rows.push(...desired);
    }
    if (!changed.length) return [];
    await tx.replaceAirings(changed, window, rows);
    return changed;
  }
}

function sameAirings(a: readonly Airing[], b: readonly Airing[]): boolean {
  if (a.length !== b.length) return false;
  const key = (x: Airing) =>
    JSON.stringify([x.occurrenceId, x.slotId, x.startAt, x.durationMs, x.priority, x.source, x.startMode, x.waitMs, x.clusterIds ?? null]);
  const left = new Set(a.map(key));
  return b.every((x) => left.has(key(x)));
}
