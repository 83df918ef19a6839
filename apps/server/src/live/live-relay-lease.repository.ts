import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { LiveRelay, LiveRelayLease } from './live-relay.entity';

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
 */
@Injectable()
export class LiveRelayLeaseRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A new relay's lease, held by `owner` until `until`. */
  async create(relayId: string, owner: string, until: string, progress: RelayProgress): Promise<void> {
    await this.db.getRepository(LiveRelayLease).insert({ relayId, owner, leaseUntil: until, ...progress });
  }

  /** Extends the lease and writes the progress; false when `owner` no longer holds it (taken over, or the relay ended). */
  async renew(relayId: string, owner: string, until: string, progress: RelayProgress | null): Promise<boolean> {
    const r = await this.db.getRepository(LiveRelayLease).update({ relayId, owner }, { leaseUntil: until, ...(progress ?? {}) });
    return (r.affected ?? 0) > 0;
  }

  /** Relays whose lease ran out before `now`, and the live relays with no lease at all (their instance died before writing one). */
  async lapsed(now: string): Promise<LiveRelayLease[]> {
    return this.db.getRepository(LiveRelayLease).find({ where: { leaseUntil: LessThan(now) } });
  }

  /**
   * Claims a lapsed lease for `owner` when it is still the one `seen` (same owner, still run out): true for
   * the one instance that got it.
   */
  async take(seen: LiveRelayLease, owner: string, now: string, until: string): Promise<boolean> {
    const r = await this.db
      .createQueryBuilder()
      .update(LiveRelayLease)
      .set({ owner, leaseUntil: until })
      .where('"relayId" = :relayId AND "owner" = :previous AND "leaseUntil" < :now', { relayId: seen.relayId, previous: seen.owner, now })
      .execute();
    return (r.affected ?? 0) > 0;
  }

  /** Deletes the lease, only while `owner` holds it: an instance that lost it never drops its new owner's. */
  async release(relayId: string, owner: string): Promise<void> {
    await this.db.getRepository(LiveRelayLease).delete({ relayId, owner });
  }

  /**
   * Ends a relay nobody encodes (its lease ran out and no instance took it): the status changes only if it
   * is still live and the lease still lapsed, so it cannot cut a relay another instance just took over.
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
      return (r.affected ?? 0) > 0;
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
