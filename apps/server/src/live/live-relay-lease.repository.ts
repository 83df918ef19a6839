import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { createDataSource } from '../database/data-source';
import { LiveRelay, LiveRelayCarriage, LiveRelayLease } from './live-relay.entity';

/**
 * Connections of the leases' own pool on PostgreSQL: a renewal and a scan at once, and a take-over beside
 * them, never more.
 */
const LEASE_POOL = 2;

/** How far a relay's encoding got, as its owner writes it with each renewal. */
export interface RelayProgress {
  round: number;
  onAir: boolean;
  roundStartedAt: string | null;
  offsetMs: number;
  seq: number;
  roundEndedAt: string | null;
}

/**
 * The leases of live relays. Every write that changes hands is conditional (on the owner, or on the lease
 * having run out), so of several instances trying at once exactly one gets a row back; both engines
 * re-check the condition on the row they update.
 *
 * On PostgreSQL the leases are read and written through a small pool of their own: on the shared pool a
 * renewal would queue behind whatever holds its connections (a burst of event ingest, a long export), the
 * lease would run out although its instance is alive, and another instance would take the relay over for
 * nothing. SQLite is one process with one connection, and needs none.
 */
@Injectable()
export class LiveRelayLeaseRepository implements OnApplicationShutdown {
  private own: Promise<DataSource> | null = null;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The connection leases go through: the leases' own pool on PostgreSQL, opened on first use. */
  private leaseDb(): Promise<DataSource> {
    const options = this.db.options;
    if (options.type !== 'postgres') return Promise.resolve(this.db);
    this.own ??= createDataSource({
      ...options,
      entities: [LiveRelay, LiveRelayLease],
      migrations: [],
      migrationsRun: false,
      applicationName: 'loa-leases',
      extra: { ...(options.extra as object), max: LEASE_POOL },
    })
      .initialize()
      .catch((err: unknown) => {
        // Tried again on the next call: the database may be back by then.
        this.own = null;
        throw err;
      });
    return this.own;
  }

  async onApplicationShutdown(): Promise<void> {
    const own = this.own;
    this.own = null;
    if (own) await (await own.catch(() => null))?.destroy();
  }

  /** A new relay's lease, held by `owner` until `until`. */
  async create(relayId: string, owner: string, until: string, progress: RelayProgress): Promise<void> {
    await (await this.leaseDb()).getRepository(LiveRelayLease).insert({ relayId, owner, leaseUntil: until, ...progress });
  }

  /** Extends the lease and writes the progress; false when `owner` no longer holds it (taken over, or the relay ended). */
  async renew(relayId: string, owner: string, until: string, progress: RelayProgress | null): Promise<boolean> {
    const r = await (await this.leaseDb()).getRepository(LiveRelayLease).update({ relayId, owner }, { leaseUntil: until, ...(progress ?? {}) });
    return (r.affected ?? 0) > 0;
  }

  /** Relays whose lease ran out before `now`, and the live relays with no lease at all (their instance died before writing one). */
  async lapsed(now: string): Promise<LiveRelayLease[]> {
    return (await this.leaseDb()).getRepository(LiveRelayLease).find({ where: { leaseUntil: LessThan(now) } });
  }

  /**
   * Claims a lapsed lease for `owner` when it is still the one `seen` (same owner, still run out): true for
   * the one instance that got it.
   */
  async take(seen: LiveRelayLease, owner: string, now: string, until: string): Promise<boolean> {
    const r = await (await this.leaseDb())
      .createQueryBuilder()
      .update(LiveRelayLease)
      .set({ owner, leaseUntil: until })
      .where('"relayId" = :relayId AND "owner" = :previous AND "leaseUntil" < :now', { relayId: seen.relayId, previous: seen.owner, now })
      .execute();
    return (r.affected ?? 0) > 0;
  }

  /** Deletes the lease, only while `owner` holds it: an instance that lost it never drops its new owner's. */
  async release(relayId: string, owner: string): Promise<void> {
    await (await this.leaseDb()).getRepository(LiveRelayLease).delete({ relayId, owner });
  }

  /**
   * Ends a relay nobody encodes (its lease ran out and no instance took it): the status changes only if it
   * is still live and the lease still lapsed, so it cannot cut a relay another instance just took over; the
   * record of which stations played it goes with it.
   */
  async endOrphan(relayId: string, now: string, patch: Partial<LiveRelay>): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const gone = await m
        .createQueryBuilder()
        .delete()
        .from(LiveRelayLease)
        .where('"relayId" = :relayId AND "leaseUntil" < :now', { relayId, now })
        .execute();
      if (!(gone.affected ?? 0)) return false;
      const r = await m.getRepository(LiveRelay).update({ id: relayId, status: 'live' }, patch);
      if (!(r.affected ?? 0)) return false;
      // Ended: who played it no longer matters to anyone, as when its own instance ends it.
      await m.getRepository(LiveRelayCarriage).delete({ relayId });
      return true;
    });
  }

  /** Live relays without a lease row (a relay started by a version without leases, or whose start broke off). */
  async liveWithoutLease(): Promise<LiveRelay[]> {
    return this.db
      .getRepository(LiveRelay)
      .createQueryBuilder('r')
      .where("r.status = 'live'")
      .andWhere('NOT EXISTS (SELECT 1 FROM live_relay_lease l WHERE l."relayId" = r.id)')
      .getMany();
  }
}
