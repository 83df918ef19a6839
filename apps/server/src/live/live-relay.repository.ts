import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, MoreThan } from 'typeorm';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { LiveRelay, LiveRelayCarriage, LiveRelayTarget } from './live-relay.entity';

/** Target rows per INSERT when a relay starts: thousands of stations stay within SQLite's limit on bound parameters. */
const TARGET_INSERT_CHUNK = 500;

/** What a spoken text becomes: a programme like any other, kept for the logbook, latecomers and airing again. */
export type SpokenProgramme = Pick<Programme, 'title' | 'chuyenMuc' | 'description' | 'spokenText' | 'mediaAssetId' | 'createdBy' | 'createdAt'>;

/** Live relays, the stations each was sent to, and what starting one reads of stations, units and programmes. */
@Injectable()
export class LiveRelayRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A new relay with its targets, in one transaction. */
  async create(relay: Omit<LiveRelay, 'id'>, targets: readonly string[]): Promise<LiveRelay> {
    return this.db.transaction(async (m) => {
      const saved = await m.save(m.create(LiveRelay, relay));
      // Plain inserts in chunks: nothing to read back into entities. The relay goes on air only after
      // this, so it must be quick.
      for (let i = 0; i < targets.length; i += TARGET_INSERT_CHUNK) {
        await m
          .createQueryBuilder()
          .insert()
          .into(LiveRelayTarget)
          .values(targets.slice(i, i + TARGET_INSERT_CHUNK).map((stationId) => ({ relayId: saved.id, stationId })))
          .updateEntity(false)
          .execute();
      }
      return saved;
    });
  }

  async find(id: string): Promise<LiveRelay | null> {
    return this.db.getRepository(LiveRelay).findOneBy({ id });
  }

  /** Every relay the database says is live, with when it started. */
  async live(): Promise<{ id: string; startedAt: string }[]> {
    return this.db.getRepository(LiveRelay).find({ select: { id: true, startedAt: true }, where: { status: 'live' } });
  }

  async update(id: string, change: Partial<LiveRelay>): Promise<void> {
    await this.db.getRepository(LiveRelay).update({ id }, change);
  }

  /** Changes those of the relays that are still live; one another instance has ended meanwhile stays as it ended. */
  async updateLive(ids: readonly string[], change: Partial<LiveRelay>): Promise<void> {
    if (!ids.length) return;
    await this.db.getRepository(LiveRelay).update({ id: In([...ids]), status: 'live' }, change);
  }

  /** The stations a relay was sent to. */
  async targets(relayId: string): Promise<string[]> {
    return (await this.db.getRepository(LiveRelayTarget).findBy({ relayId })).map((t) => t.stationId);
  }

  /** Notes that these stations played these relays; one already noted stays as it was. */
  async recordCarriage(rows: readonly { relayId: string; stationId: string }[], at: string): Promise<void> {
    for (let i = 0; i < rows.length; i += TARGET_INSERT_CHUNK) {
      await this.db
        .createQueryBuilder()
        .insert()
        .into(LiveRelayCarriage)
        .values(rows.slice(i, i + TARGET_INSERT_CHUNK).map((r) => ({ relayId: r.relayId, stationId: r.stationId, carriedAt: at })))
        .orIgnore()
        .updateEntity(false)
        .execute();
    }
  }

  /** The stations that played the relay, as their instances noted it. */
  async carriedBy(relayId: string): Promise<string[]> {
    return (await this.db.getRepository(LiveRelayCarriage).find({ select: { stationId: true }, where: { relayId } })).map((c) => c.stationId);
  }

  async hasCarried(relayId: string, stationId: string): Promise<boolean> {
    return this.db.getRepository(LiveRelayCarriage).existsBy({ relayId, stationId });
  }

  /** Emergencies still live and in force at `now` that target the station and that it has not played. */
  async uncarriedEmergencies(stationId: string, now: string): Promise<string[]> {
    const rows = await this.db
      .getRepository(LiveRelay)
      .createQueryBuilder('r')
      .select('r.id', 'id')
      .innerJoin(LiveRelayTarget, 't', 't.relayId = r.id AND t.stationId = :stationId', { stationId })
      .where("r.status = 'live' AND r.kind = 'emergency'")
      .andWhere({ expiresAt: MoreThan(now) })
      .andWhere('NOT EXISTS (SELECT 1 FROM live_relay_carriage c WHERE c."relayId" = r.id AND c."stationId" = :stationId)')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /** The relay ended: who played it no longer matters to anyone. */
  async forgetCarriage(relayId: string): Promise<void> {
    await this.db.getRepository(LiveRelayCarriage).delete({ relayId });
  }

  /** The newest relays, all of them or (given `stations`) those that reach one of these stations. */
  async newest(limit: number, stations?: ReadonlySet<string>): Promise<LiveRelay[]> {
    const q = this.db.getRepository(LiveRelay).createQueryBuilder('r').orderBy('r.startedAt', 'DESC').take(limit);
    if (stations) {
      if (!stations.size) return [];
      q.where((sub) => {
        const reach = sub.subQuery().select('t.relayId').from(LiveRelayTarget, 't').where('t.stationId IN (:...stations)').getQuery();
        return `r.id IN ${reach}`;
      }).setParameter('stations', [...stations]);
    }
    return q.getMany();
  }

  /** Every station with its unit, and every unit with its parent: what a relay's targets resolve against. */
  async tree(): Promise<{ stations: { id: string; unitId: string }[]; units: { id: string; parentId: string | null }[] }> {
    const [stations, units] = await Promise.all([
      this.db.getRepository(Station).find({ select: { id: true, unitId: true } }),
      this.db.getRepository(Unit).find({ select: { id: true, parentId: true } }),
    ]);
    return { stations, units };
  }

  /** The named stations that exist, with their names. */
  async stations(ids: readonly string[]): Promise<{ id: string; name: string }[]> {
    return (await this.db.getRepository(Station).findBy({ id: In([...ids]) })).map((s) => ({ id: s.id, name: s.name }));
  }

  async programme(id: string): Promise<Programme | null> {
    return this.db.getRepository(Programme).findOneBy({ id });
  }

  async createProgramme(fields: SpokenProgramme): Promise<Programme> {
    const programmes = this.db.getRepository(Programme);
    return programmes.save(programmes.create({ ...fields, chuyenMucId: null, topicId: null }));
  }
}
