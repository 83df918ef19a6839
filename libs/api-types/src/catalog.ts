import type { ComplianceStatus } from './reports';

/** A topic of a chuyên mục (`GET /chuyen-muc` lists them with it). */
export interface TopicView {
  id: string;
  chuyenMucId: string;
  name: string;
  createdAt: string;
  /** No longer offered for new programmes (null: in use). */
  retiredAt: string | null;
}

/** A chuyên mục with its topics. */
export interface ChuyenMucView {
  id: string;
  name: string;
  code: string;
  /** Silence longer than this in its programmes is dead air (null: the station's default). */
  deadAirSeconds: number | null;
  createdAt: string;
  retiredAt: string | null;
  topics: TopicView[];
}

/** The loudness a chuyên mục's uploads are normalised to (`GET /media/loudness-targets`), by its name. */
export interface LoudnessTargetView {
  chuyenMuc: string;
  targetLufs: number;
  updatedBy: string | null;
  updatedAt: string;
}

export const PLAN_TARGET_SCOPES = ['station', 'each_station'] as const;
export type PlanTargetScope = (typeof PLAN_TARGET_SCOPES)[number];

/** A plan target: at least `minPerMonth` airings of a chuyên mục each month, on one station or on each station of a unit. */
export interface PlanTargetView {
  id: string;
  name: string;
  chuyenMucId: string;
  scope: PlanTargetScope;
  stationId: string | null;
  unitId: string | null;
  minPerMonth: number;
  createdBy: string | null;
  createdAt: string;
}

/** One month of a target, over all its stations or on one. */
export interface ComplianceMonth {
  month: string;
  status: ComplianceStatus;
  label: string;
}

/** `GET /plan-targets/compliance`: each target month by month, and per station. */
export interface ComplianceView {
  from: string;
  to: string;
  timeZone: string;
  targets: {
    id: string;
    name: string;
    chuyenMuc: string;
    scope: PlanTargetScope;
    minPerMonth: number;
    months: (ComplianceMonth & { stationsMet: number; stations: number })[];
    stations: { stationId: string; stationName: string; months: (ComplianceMonth & { aired: number; scheduled: number })[] }[];
  }[];
}

/** A loudspeaker cluster (cụm loa) of a station; the agent's config maps its id to an output. */
export interface SpeakerClusterView {
  id: string;
  stationId: string;
  name: string;
  createdAt: string;
}

/** A calendar link as `GET /calendar-tokens` lists it (its secret is shown only when issued). */
export interface CalendarLinkView {
  id: string;
  scope: 'station' | 'unit';
  refId: string;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Neither revoked nor expired. */
  active: boolean;
}

/** A calendar link just issued: its path carries the secret, shown this once. */
export interface IssuedCalendarLink {
  id: string;
  token: string;
  path: string;
  expiresAt: string;
}

/** `GET /logbook/verify`: one station's chain and seals. */
export interface ChainCheckView {
  stationId: string;
  stationName: string;
  code: string;
  ok: boolean;
  checked: number;
  firstBreak: { kind: string; message: string } | null;
  lastSeal: { createdAt: string | null; lastChainPos: number; keyId: string | null; signed: boolean } | null;
}

export interface ChainVerifyView {
  ok: boolean;
  checkedAt: string;
  /** The fingerprint of the key seals are signed with now. */
  keyFingerprint: string;
  stations: ChainCheckView[];
}
