import type { AgentItem } from '../schedule-items';
import type { Playback } from '../player';

/** One output the console can aim an announcement at and set the level of. */
export interface ConsoleCluster {
  id: string;
  label: string;
}

/** The whole station, when the agent knows no speaker clusters. */
export const WHOLE_STATION: ConsoleCluster = { id: 'all', label: 'Toàn trạm' };

/**
 * What the console needs of the agent's output side. Kept this small so speaker clusters plug in behind
 * it: `clusters()` lists them, and `take`/`play` honour the ids they are given.
 */
export interface ConsoleOutput {
  /** The station's speaker clusters; empty when it has none (the console offers "Toàn trạm"). */
  clusters(): ConsoleCluster[];
  /** A live relay or emergency from the upper level holds the output now. */
  liveOnAir(): { title: string } | null;
  /** Takes the output (or the given clusters) from the schedule; what it cuts is recorded as preempted. */
  take(holder: { id: string; title: string }, clusterIds: string[] | null): void;
  /** Gives it back to the schedule. */
  giveBack(holderId: string): void;
  /** Prepares and starts a file now. */
  play(item: AgentItem, file: string, clusterIds: string[] | null): Promise<Playback>;
}

/** The schedule as the console shows it. */
export interface ConsoleSchedule {
  items(): readonly AgentItem[];
  isCached(sha256: string): boolean;
  /** What became of each occurrence on this box; one still to come is absent. */
  states(): ReadonlyMap<string, 'started' | 'done' | 'skipped'>;
  nowPlaying(): { occurrenceId: string; title: string; startedAt: number } | null;
  /** The link to the server is up. */
  online(): boolean;
  pendingEvents(): number;
  /** Normal items the commune declined here, with its reason. */
  declined(): ReadonlyMap<string, { reason: string; at: string }>;
  /** Whether the console may offer "Không phát" on `item` now. */
  declinable(item: AgentItem): boolean;
  /** Declines a normal item for good (TT39); throws DeclineError when it may not. */
  decline(occurrenceId: string, reason: string): void;
}

/** Sets the level of an output; null: the player has no level to set (the level is only kept). */
export type ApplyVolume = (clusterId: string, volume: number) => Promise<void>;
