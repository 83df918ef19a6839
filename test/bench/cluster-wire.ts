/** What the cluster bench and its agents processes say to each other over IPC. */

export type AgentsCommand =
  | { cmd: 'start'; agents: { token: string; urls: string[] }[] }
  | { cmd: 'target'; urls: string[][]; spreadMs: number }
  | { cmd: 'measure' }
  | { cmd: 'report' }
  | { cmd: 'events'; from: number; count: number }
  | { cmd: 'acked' };

export interface AgentsCounts {
  connected: number;
  synced: number;
  /** Open connections per URL. */
  on: Record<string, number>;
  pending: number;
  acked: number;
  errors: number;
  closes: number;
}

/** Latency histogram in 0.1 ms buckets from HIST_FROM_MS; the last bucket takes everything beyond. */
export const HIST_FROM_MS = -50;
export const HIST_STEP_MS = 0.1;

export interface AgentsReport {
  /** Non-empty buckets as [index, count]. */
  histogram: [number, number][];
  /** Groups each agent received while measuring, in the order the agents were given. */
  received: number[];
  /** The sequence numbers of the groups received (each once). */
  seqs: number[];
  /** Wall-clock ms of the first group received, 0 if none. */
  firstAt: number;
}

