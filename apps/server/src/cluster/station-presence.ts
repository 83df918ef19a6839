import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { AgentStatusView } from '@loa/api-types';
import { Clock } from '../common/clock';
import { ClusterBus, decodeJson, encodeJson, type SharedBucket } from './cluster-bus';

/** A station's entry is gone this long after its instance last wrote it (the instance died). */
export const PRESENCE_TTL_MS = 90_000;
/** Each instance writes its agents' entries again this often, well inside the TTL. */
const REFRESH_MS = 30_000;
/** Status reports are written at most this often per batch, so a burst of reports is one round of writes. */
const FLUSH_MS = 250;

interface Entry {
  instance: string;
  /** When the holding instance last wrote it, epoch ms. */
  at: number;
  view: AgentStatusView;
}

/**
 * Which instance holds which station's agent, in a bucket every instance watches, so the dashboard on any
 * instance lists every connected agent and a live relay knows who is on air elsewhere. Alone (no NATS)
 * there is nothing elsewhere and nothing is written.
 */
@Injectable()
export class StationPresence implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly log = new Logger('Presence');
  private bucket: SharedBucket | null = null;
  private readonly elsewhere = new Map<string, Entry>();
  private readonly pending = new Map<string, AgentStatusView | null>();
  /** Stations whose entry this instance wrote and has not removed. */
  private readonly own = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopWatch: (() => void) | null = null;
  private localViews: () => Iterable<AgentStatusView> = () => [];
  private readonly changed = new Subject<void>();
  /** Fires when an agent held by another instance comes, goes or reports. */
  readonly changes = this.changed.asObservable();

  constructor(
    private readonly bus: ClusterBus,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const opening = this.bus.bucket('presence', PRESENCE_TTL_MS);
    if (!opening) return;
    this.bucket = await opening;
    this.stopWatch = this.bucket.watch(
      (stationId, value) => this.seen(stationId, value),
      () => {
        this.elsewhere.clear();
        this.changed.next();
        // NATS may have lost what this instance wrote: written again at once.
        for (const view of this.localViews()) this.pending.set(view.stationId, view);
      },
    );
    this.timers.push(setInterval(() => void this.flush(), FLUSH_MS));
    this.timers.push(
      setInterval(() => {
        for (const view of this.localViews()) if (!this.pending.has(view.stationId)) this.pending.set(view.stationId, view);
      }, REFRESH_MS),
    );
  }

  onModuleDestroy(): void {
    for (const t of this.timers) clearInterval(t);
    this.stopWatch?.();
    this.changed.complete();
  }

  /** A stopping instance removes its entries, so the others stop listing its agents before they reconnect elsewhere. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.bucket || !this.own.size) return;
    const removing = Promise.all([...this.own].map((id) => this.remove(id).catch(() => undefined)));
    await Promise.race([removing, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** Where this instance's own agents are read from, for the periodic rewrite. */
  setLocalViews(views: () => Iterable<AgentStatusView>): void {
    this.localViews = views;
  }

  /** This instance holds the station's agent, which reports `view`. */
  hold(view: AgentStatusView): void {
    if (this.bucket) this.pending.set(view.stationId, view);
  }

  /** This instance no longer holds the station's agent. */
  release(stationId: string): void {
    if (this.bucket) this.pending.set(stationId, null);
  }

  /** Agents other instances hold, as last written (and not stale). */
  statusesElsewhere(): AgentStatusView[] {
    const fresh = this.clock.now() - PRESENCE_TTL_MS;
    return [...this.elsewhere.values()].filter((e) => e.at > fresh).map((e) => e.view);
  }

  /** Whether another instance holds the station's agent. */
  heldElsewhere(stationId: string): boolean {
    const e = this.elsewhere.get(stationId);
    return Boolean(e && e.at > this.clock.now() - PRESENCE_TTL_MS);
  }

  private seen(stationId: string, value: Uint8Array | null): void {
    let entry: Entry | null = null;
    if (value) {
      try {
        entry = decodeJson<Entry>(value);
      } catch {
        entry = null;
      }
    }
    if (entry && entry.instance !== this.bus.instanceId && entry.view?.stationId === stationId) this.elsewhere.set(stationId, entry);
    else if (!this.elsewhere.delete(stationId)) return;
    this.changed.next();
  }

  private flushing = false;

  private async flush(): Promise<void> {
    if (!this.bucket || this.flushing || !this.pending.size) return;
    this.flushing = true;
    const batch = [...this.pending];
    this.pending.clear();
    let failed = 0;
    let lastError = '';
    try {
      await Promise.all(
        batch.map(([stationId, view]) =>
          (view ? this.write(view) : this.remove(stationId)).catch((err: Error) => {
            failed++;
            lastError = err.message;
            // Written again on the next round, unless something newer came meanwhile.
            if (!this.pending.has(stationId)) this.pending.set(stationId, view);
          }),
        ),
      );
    } finally {
      this.flushing = false;
    }
    if (failed) this.log.warn(`presence of ${failed} stations not written (tried again): ${lastError}`);
  }

  private async write(view: AgentStatusView): Promise<void> {
    const entry: Entry = { instance: this.bus.instanceId, at: this.clock.now(), view };
    this.own.add(view.stationId);
    await this.bucket!.put(view.stationId, encodeJson(entry));
  }

  /** Removed only while it is still ours: the agent may already be on another instance, which wrote it since. */
  private async remove(stationId: string): Promise<void> {
    this.own.delete(stationId);
    const current = await this.bucket!.get(stationId);
    if (!current || decodeJson<Entry>(current.value).instance !== this.bus.instanceId) return;
    await this.bucket!.delete(stationId, current.revision);
  }
}
