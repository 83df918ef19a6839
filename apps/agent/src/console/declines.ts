import { randomUUID } from 'node:crypto';
import { toInstant } from '@loa/protocol';
import { plannedAtOf, type AgentItem, type AgentSnapshot } from '../schedule-items';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Outbox } from '../outbox';
import type { AgentStore } from '../store';

/** Why a decline was refused: a stable code and a sentence for the operator. */
export class DeclineError extends Error {
  constructor(
    readonly code: 'not_found' | 'not_declinable' | 'already_declined' | 'already_aired' | 'too_late',
    message: string,
  ) {
    super(message);
  }
}

export interface Decline {
  reason: string;
  /** Server time, ISO, when the operator declined it. */
  at: string;
}

/**
 * The one choice over the upper level's schedule that TT39 leaves to the commune: not to air a normal
 * (thông thường) item. Made on the box's console, with or without the network: the airing is kept off the
 * runner's schedule from then on (restarts included), and its "không phát" report goes through the outbox
 * with the operator's reason, so it reaches the server's logbook once, whenever the link is up.
 */
export class Declines {
  private readonly declined = new Map<string, Decline>();

  constructor(
    private readonly o: {
      store: AgentStore;
      outbox: Pick<Outbox, 'commit' | 'notify'>;
      clock: Clock;
      log: Logger;
    },
  ) {
    const rows = o.store.db.prepare('SELECT occurrence_id AS id, reason, declined_at AS at FROM declined').all() as { id: string; reason: string; at: string }[];
    for (const r of rows) this.declined.set(r.id, { reason: r.reason, at: r.at });
  }

  list(): ReadonlyMap<string, Decline> {
    return this.declined;
  }

  /** The schedule as the runner should follow it: without the airings the commune declined. */
  filter(snapshot: AgentSnapshot): AgentSnapshot;
  filter(snapshot: AgentSnapshot | null): AgentSnapshot | null;
  filter(snapshot: AgentSnapshot | null): AgentSnapshot | null {
    if (!snapshot || this.declined.size === 0) return snapshot;
    return { ...snapshot, items: snapshot.items.filter((i) => !this.declined.has(i.occurrenceId)) };
  }

  /** Why `item` may not be declined now, or null. `aired`: it has started on this box (or is on air). */
  refusal(item: AgentItem, aired: boolean): DeclineError | null {
    if (this.declined.has(item.occurrenceId)) return new DeclineError('already_declined', 'Chương trình này đã được đánh dấu không phát.');
    if (item.priority !== 'normal') {
      return new DeclineError('not_declinable', 'Chỉ được từ chối chương trình thông thường; chương trình ưu tiên và khẩn cấp của cấp trên phải phát.');
    }
    if (aired) return new DeclineError('already_aired', 'Chương trình đã phát hoặc đang phát: không từ chối được nữa.');
    if (item.startMs <= this.o.clock.serverNow()) return new DeclineError('too_late', 'Đã đến giờ phát của chương trình: không từ chối được nữa.');
    return null;
  }

  /** Declines `item` for good; throws DeclineError when refusal() says no. */
  decline(item: AgentItem, reason: string, aired: boolean): Decline {
    const refused = this.refusal(item, aired);
    if (refused) throw refused;
    const now = this.o.clock.serverNow();
    const decline: Decline = { reason, at: toInstant(now) };
    const plannedAt = plannedAtOf(item);
    const state = { occurrenceId: item.occurrenceId, slotId: item.slotId, plannedAt, state: 'skipped', startedAt: null, endedAt: null } as const;
    const refusedByDisk = this.o.outbox.commit(
      {
        id: randomUUID(),
        kind: 'failed',
        occurrenceId: item.occurrenceId,
        slotId: item.slotId,
        plannedAt,
        endedAt: decline.at,
        reason: 'declined',
        detail: `Xã từ chối phát tại máy trạm: ${reason}`.slice(0, 1000),
      },
      () => {
        this.o.store.db.prepare('INSERT INTO declined (occurrence_id, reason, declined_at) VALUES (?, ?, ?)').run(item.occurrenceId, reason, decline.at);
        this.o.store.setPlayState(state, decline.at);
      },
    );
    if (refusedByDisk) this.o.log.error(`${refusedByDisk}; lựa chọn không phát chỉ được giữ đến khi phần mềm trạm khởi động lại`);
    this.declined.set(item.occurrenceId, decline);
    this.o.outbox.notify();
    this.o.log.info(`Bảng điều khiển tại trạm: không phát "${item.programme.title}" (${plannedAtOf(item)}): ${reason}`);
    return decline;
  }
}
