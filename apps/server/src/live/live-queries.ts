import { Injectable } from '@nestjs/common';
import type { LiveStatusView } from '@loa/api-types';
import { toInstant } from '@loa/protocol';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { StationPresence } from '../cluster/station-presence';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { LiveHub } from './live-hub';
import { LiveRecordings } from './live-recording';
import type { LiveRelay } from './live-relay.entity';
import { LiveRelayRepository } from './live-relay.repository';
import { ActiveRelays, publicRelay, STATUS_FRESH_MS, type PublicRelay } from './live-state';

/** What staff read of live relays: the list, one relay with who carries it now, its stations and its recording. */
@Injectable()
export class LiveQueries {
  constructor(
    private readonly active: ActiveRelays,
    private readonly relays: LiveRelayRepository,
    private readonly access: AccessPolicy,
    private readonly hub: LiveHub,
    private readonly presence: StationPresence,
    private readonly recordings: LiveRecordings,
    private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<LiveRelay> {
    const row = await this.relays.find(id);
    if (!row) throw new LoaError('not_found', 'Không tìm thấy buổi phát trực tiếp này.', { id });
    return row;
  }

  /** The newest relays that reach at least one station `who` may see. */
  async list(who: Principal, limit = 50): Promise<PublicRelay[]> {
    const stations = await this.access.visibleStations(who);
    return (await this.relays.newest(limit, stations)).map(publicRelay);
  }

  /** Whether `who`'s unit reaches every station of the relay (so it may speak on it or stop it). */
  async mayChange(id: string, who: Principal): Promise<boolean> {
    return this.access.may(who, 'write', { kind: 'targets', unitIds: await this.access.unitsOfStations(await this.targetsOf(id)) });
  }

  /** The stations a relay was sent to. */
  async targetsOf(id: string): Promise<string[]> {
    const a = this.active.get(id);
    if (a) return a.targets;
    await this.get(id);
    return this.relays.targets(id);
  }

  /** Which stations carry the relay now, with their buffer, lag and gaps as they last reported. */
  async status(id: string, who: Principal): Promise<LiveStatusView> {
    await this.access.requireTargets(who, 'read', await this.targetsOf(id));
    const row = await this.get(id);
    const a = this.active.get(id);
    const targetIds = a?.targets ?? (await this.relays.targets(id));
    const stations = await this.relays.stations(targetIds);
    const now = this.clock.now();
    return {
      relay: publicRelay(a?.row ?? row),
      round: a?.round ?? row.roundsAired,
      onAir: a?.onAir ?? false,
      listeners: a?.listeners.size ?? 0,
      stations: stations.map((s) => {
        const reported = a?.statuses.get(s.id);
        const fresh = reported && now - reported.at <= STATUS_FRESH_MS && reported.status.round === a?.round ? reported.status : null;
        const connected = this.hub.connected(s.id) || this.presence.heldElsewhere(s.id);
        return {
          stationId: s.id,
          stationName: s.name,
          connected,
          carrying: Boolean(a?.onAir && connected && fresh?.playing),
          bufferMs: fresh?.bufferMs ?? null,
          lagMs: fresh?.lagMs ?? null,
          gapMs: reported?.status.gapMs ?? null,
          droppedFrames: this.hub.dropped(s.id),
          reportedAt: reported ? toInstant(reported.at) : null,
        };
      }),
    };
  }

  /** Where the recording of a finished relay lies. */
  async recordingPath(id: string, who: Principal): Promise<string> {
    await this.access.requireTargets(who, 'read', await this.targetsOf(id));
    const row = await this.get(id);
    if (!row.recordingSha256) throw new LoaError('not_found', 'Buổi phát này chưa có bản ghi âm (đang phát hoặc không có âm thanh).', { id });
    return this.recordings.pathOf(row.recordingSha256);
  }
}
