import { toInstant, type PlaybackEvent } from '@loa/protocol';
import { plannedAtOf, type AgentItem, type AgentSnapshot } from './schedule-items';
import type { Logger } from './log';
import type { OutputHealth, Player } from './player';
import { Runner, type RunnerOptions, type RunnerOutbox, type RunnerStore } from './runner';
import type { AgentStore, PlayStateRow } from './store';
import type { Outbox } from './outbox';

/**
 * What the agent and its live receiver need of whatever plays the schedule: one Runner for a station with
 * one output, or ClusterRunner for one with speaker clusters.
 */
export interface OnAirControl {
  start(snapshot: AgentSnapshot | null): void;
  applySnapshot(prev: AgentSnapshot | null, next: AgentSnapshot): void;
  refresh(): void;
  outputIdle(): boolean;
  nowPlaying(): { item: AgentItem; startedAt: number } | null;
  hold(holder: { id: string; title: string }): void;
  release(): void;
  holder(): { id: string; title: string } | null;
  isSettled(occurrenceId: string): boolean;
  stop(): Promise<void>;
}

/** One speaker cluster (cụm loa) of the station and the player that reaches it. */
export interface ClusterOutput {
  /** The cluster's id on the server (GET /api/stations/:id/clusters). */
  id: string;
  player: Player;
}

export interface ClusterRunnerOptions extends Omit<RunnerOptions, 'player' | 'store' | 'outbox'> {
  clusters: readonly ClusterOutput[];
  store: AgentStore;
  outbox: Outbox;
}

/** The clusters an item plays on among those this box has: all of them when it names none. */
export function clustersOf(item: Pick<AgentItem, 'clusterIds'>, known: readonly string[]): string[] {
  if (!item.clusterIds || item.clusterIds.length === 0) return [...known];
  return known.filter((id) => item.clusterIds!.includes(id));
}

/**
 * A station whose loudspeakers form clusters, each on its own output (one ALSA device per cluster, or one
 * PCM per group of a multichannel card's channels). Each cluster has its own Runner with its own player,
 * following the items aimed at it and the station-wide ones, so two programmes aimed at different
 * clusters play at the same time and a station-wide one plays on all of them at once (each cluster
 * starts it by the same clock). The server hears of each airing once: `started` when its first cluster
 * starts it, the final event when its last cluster is done with it (failed if any cluster failed,
 * naming the cluster). Each cluster's play state is kept under `<occurrence>@<cluster>`, so a restart
 * resumes every cluster where it was.
 *
 * To play something on chosen clusters now (a local announcement), give the item `clusterIds` and put it
 * in the snapshot: the runners of those clusters play it, the others never see it.
 */
export class ClusterRunner implements OnAirControl {
  private readonly runners = new Map<string, Runner>();
  private readonly ids: string[];
  private items = new Map<string, AgentItem>();
  /** Events of clusters done with an airing whose other clusters are still playing it. */
  private readonly finals = new Map<string, Map<string, PlaybackEvent>>();
  private readonly startedSent = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly o: ClusterRunnerOptions) {
    if (o.clusters.length === 0) throw new Error('ClusterRunner needs at least one cluster');
    this.ids = o.clusters.map((c) => c.id);
    this.log = o.log;
    for (const cluster of o.clusters) {
      this.runners.set(
        cluster.id,
        new Runner({
          ...o,
          player: cluster.player,
          store: this.storeOf(cluster.id),
          outbox: this.outboxOf(cluster.id),
        }),
      );
    }
  }

  start(snapshot: AgentSnapshot | null): void {
    this.remember(snapshot);
    for (const [id, runner] of this.runners) runner.start(snapshot ? this.only(snapshot, id) : null);
  }

  applySnapshot(prev: AgentSnapshot | null, next: AgentSnapshot): void {
    this.remember(next);
    for (const [id, runner] of this.runners) runner.applySnapshot(prev ? this.only(prev, id) : null, this.only(next, id));
  }

  refresh(): void {
    for (const runner of this.runners.values()) runner.refresh();
  }

  outputIdle(): boolean {
    return [...this.runners.values()].every((r) => r.outputIdle());
  }

  /** The first cluster's programme on air (the status carries one). */
  nowPlaying(): { item: AgentItem; startedAt: number } | null {
    for (const runner of this.runners.values()) {
      const np = runner.nowPlaying();
      if (np) return np;
    }
    return null;
  }

  /** A live relay or emergency takes every cluster. */
  hold(holder: { id: string; title: string }): void {
    for (const runner of this.runners.values()) runner.hold(holder);
  }

  release(): void {
    for (const runner of this.runners.values()) runner.release();
  }

  holder(): { id: string; title: string } | null {
    return this.runners.values().next().value?.holder() ?? null;
  }

  isSettled(occurrenceId: string): boolean {
    const item = this.items.get(occurrenceId);
    const on = item ? clustersOf(item, this.ids) : this.ids;
    return on.every((id) => this.runners.get(id)!.isSettled(occurrenceId));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  /** Every cluster's output: a failing one is the station's output problem. */
  static health(clusters: readonly ClusterOutput[]): OutputHealth | null {
    const all = clusters.map((c) => c.player.health?.() ?? null).filter((h): h is OutputHealth => h !== null);
    if (all.length === 0) return null;
    const bad = all.find((h) => !h.ok);
    if (bad) return bad;
    return { device: all.map((h) => h.device).join(', '), ok: true, checkedAt: Math.max(...all.map((h) => h.checkedAt)), error: null };
  }

  // ---- one cluster's view ----

  private remember(snapshot: AgentSnapshot | null): void {
    if (!snapshot) return;
    this.items = new Map(snapshot.items.map((i) => [i.occurrenceId, i]));
    for (const item of snapshot.items) {
      if (item.clusterIds?.length && clustersOf(item, this.ids).length === 0) {
        this.log.warn(`"${item.programme.title}" (${plannedAtOf(item)}) nhắm tới cụm loa mà trạm này không cấu hình (LOA_CLUSTERS): không phát`);
      }
    }
  }

  private only(snapshot: AgentSnapshot, cluster: string): AgentSnapshot {
    return { ...snapshot, items: snapshot.items.filter((i) => clustersOf(i, this.ids).includes(cluster)) };
  }

  private storeOf(cluster: string): RunnerStore {
    const suffix = `@${cluster}`;
    const store = this.o.store;
    return {
      playStates: () => {
        const out = new Map<string, PlayStateRow>();
        for (const [key, row] of store.playStates()) {
          if (!key.endsWith(suffix)) continue;
          const occurrenceId = key.slice(0, -suffix.length);
          out.set(occurrenceId, { ...row, occurrenceId });
        }
        return out;
      },
      setPlayState: (row, updatedAt) => store.setPlayState({ ...row, occurrenceId: row.occurrenceId + suffix }, updatedAt),
      prunePlayStates: (before) => store.prunePlayStates(before),
    };
  }

  private outboxOf(cluster: string): RunnerOutbox {
    return {
      commit: (event, write) => this.commit(cluster, event, write),
      notify: () => this.o.outbox.notify(),
    };
  }

  /** One cluster's event: sent on as the airing's own when it is the first start or the last end. */
  private commit(cluster: string, event: PlaybackEvent, write: () => void): string | null {
    const occ = event.occurrenceId;
    const item = this.items.get(occ);
    const on = item ? clustersOf(item, this.ids) : [cluster];
    const store = this.o.store;
    const aggregate = (e: PlaybackEvent) => () => {
      write();
      store.setPlayState(
        {
          occurrenceId: occ,
          slotId: e.slotId,
          plannedAt: e.plannedAt,
          state: e.kind === 'started' ? 'started' : 'done',
          startedAt: e.startedAt ?? null,
          endedAt: e.endedAt ?? null,
        },
        toInstant(this.o.clock.serverNow()),
      );
    };

    if (event.kind === 'started') {
      if (this.startedSent.has(occ)) return this.writeOnly(write);
      this.startedSent.add(occ);
      return this.o.outbox.commit(event, aggregate(event));
    }

    const finals = this.finals.get(occ) ?? new Map<string, PlaybackEvent>();
    finals.set(cluster, event);
    // Clusters done with it before a restart count as done: their own events went out then.
    const states = store.playStates();
    const pending = on.filter((id) => id !== cluster && !finals.has(id) && !isOver(states.get(`${occ}@${id}`)?.state));
    if (pending.length > 0) {
      this.finals.set(occ, finals);
      return this.writeOnly(write);
    }
    this.finals.delete(occ);
    this.startedSent.delete(occ);
    const merged = merge([...finals.entries()]);
    return this.o.outbox.commit(merged, aggregate(merged));
  }

  private writeOnly(write: () => void): string | null {
    try {
      write();
      return null;
    } catch (e) {
      return `Không ghi được trạng thái cụm loa: ${(e as Error).message}`;
    }
  }
}

function isOver(state: string | undefined): boolean {
  return state === 'done' || state === 'skipped';
}

/**
 * The airing's final event from each cluster's: finished when every cluster finished, else the first
 * failure, its detail naming the cluster; the airing spans the earliest start to the latest end.
 */
function merge(byCluster: [string, PlaybackEvent][]): PlaybackEvent {
  const events = byCluster.map(([, e]) => e);
  const failed = byCluster.find(([, e]) => e.kind === 'failed');
  const base = failed ? failed[1] : events.reduce((a, b) => ((b.playedMs ?? 0) > (a.playedMs ?? 0) ? b : a));
  const starts = events.map((e) => e.startedAt).filter((s): s is string => !!s).sort();
  const ends = events.map((e) => e.endedAt).filter((s): s is string => !!s).sort();
  const merged: PlaybackEvent = { ...base };
  if (starts.length) merged.startedAt = starts[0];
  if (ends.length) merged.endedAt = ends[ends.length - 1];
  const played = events.map((e) => e.playedMs).filter((n): n is number => n !== undefined);
  if (played.length) merged.playedMs = Math.max(...played);
  if (failed && byCluster.length > 1) merged.detail = `Cụm loa ${failed[0]}: ${failed[1].detail ?? failed[1].reason ?? ''}`.slice(0, 1000);
  return merged;
}
