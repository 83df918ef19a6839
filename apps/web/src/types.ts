/** Shapes of the API's answers, as the console uses them. */
export type Role = 'admin' | 'editor' | 'approver' | 'operator' | 'inspector';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitId: string | null;
  disabled?: boolean;
  createdAt?: string;
}

export interface Unit {
  id: string;
  parentId: string | null;
  name: string;
  kind: string;
  code: string | null;
}

export interface Station {
  id: string;
  unitId: string;
  name: string;
  code: string;
  tokenHint: string | null;
  hasToken: boolean;
  lastSeenAt: string | null;
  agentVersion: string | null;
}

export interface AgentStatus {
  stationId: string;
  stationName: string;
  connectedAt: string;
  lastFrameAt: string;
  agentVersion: string | null;
  status: {
    scheduleVersion: number | null;
    nowPlaying: { occurrenceId: string; title: string; startedAt: string } | null;
    cacheReady: boolean;
    cachedFiles: number;
    missingFiles: number;
    pendingEvents: number;
    lastError: string | null;
  } | null;
}

export interface MediaAsset {
  id: string;
  status: 'processing' | 'ready' | 'failed';
  originalName: string;
  sha256: string | null;
  durationMs: number | null;
  progress: number;
  error: string | null;
}

export interface Programme {
  id: string;
  title: string;
  chuyenMuc: string;
  description: string;
  mediaAssetId: string;
  createdAt: string;
}

/** Only approved slots reach stations; submitted ones wait for an approver. */
export type SlotStatus = 'draft' | 'submitted' | 'approved' | 'rejected' | 'cancelled';

/** Slots that hold their time on a station: the server refuses others over them. */
export const HOLDS_TIME: ReadonlySet<SlotStatus> = new Set(['submitted', 'approved']);

export interface Slot {
  id: string;
  programmeId: string;
  startAt: string;
  endAt: string;
  durationMs: number;
  priority: 'normal' | 'priority' | 'emergency';
  status: SlotStatus;
  stationIds: string[];
}

export interface Clash {
  slotId: string;
  startAt: string;
  endAt: string;
  title: string;
  stationId: string;
  stationName: string;
}

export type LogbookResult = 'complete' | 'partial' | 'failed' | 'missed';

export interface LogbookLine {
  id: number;
  stationId: string;
  stationName: string;
  programmeTitle: string;
  chuyenMuc: string;
  plannedStart: string;
  actualStart: string | null;
  durationMs: number | null;
  startErrorMs: number | null;
  result: LogbookResult;
  detail: string | null;
  reason: string | null;
}
