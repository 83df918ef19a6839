import type { LiveKind, Priority } from '@loa/protocol';

export type { LiveKind };

export const LIVE_SOURCE_KINDS = ['programme', 'url', 'mic', 'text'] as const;
export type LiveSourceKind = (typeof LIVE_SOURCE_KINDS)[number];

export const LIVE_RELAY_STATUSES = ['live', 'ended', 'stopped', 'failed'] as const;
export type LiveRelayStatus = (typeof LIVE_RELAY_STATUSES)[number];

/** A live relay or emergency as the API shows it (never its stream token). */
export interface LiveRelayView {
  id: string;
  kind: LiveKind;
  priority: Priority;
  title: string;
  sourceKind: LiveSourceKind;
  programmeId: string | null;
  sourceUrl: string | null;
  rounds: number;
  intervalMs: number;
  roundsAired: number;
  expiresAt: string | null;
  status: LiveRelayStatus;
  endReason: string | null;
  startedBy: string | null;
  startedAt: string;
  endedAt: string | null;
}

/** Which stations carry a relay now, as they last reported. */
export interface LiveStatusView {
  relay: LiveRelayView;
  round: number;
  onAir: boolean;
  listeners: number;
  stations: {
    stationId: string;
    stationName: string;
    connected: boolean;
    carrying: boolean;
    bufferMs: number | null;
    lagMs: number | null;
    gapMs: number | null;
    droppedFrames: number;
    reportedAt: string | null;
  }[];
}

/** `POST /live/relays` and `POST /live/emergencies`: the relay started and where to listen to it. */
export interface StartedRelay {
  relay: LiveRelayView;
  streamUrl: string;
  streamToken: string;
}
