import type { StatusFrame } from '@loa/protocol';

/** A connected agent and the status it last reported (null before its first report). */
export interface AgentStatusView {
  stationId: string;
  stationName: string;
  connectedAt: string;
  lastFrameAt: string;
  agentVersion: string | null;
  status: Omit<StatusFrame, 'type'> | null;
}
