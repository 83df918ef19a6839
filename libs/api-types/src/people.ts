export const ROLES = ['admin', 'editor', 'approver', 'operator', 'inspector'] as const;
export type Role = (typeof ROLES)[number];

/** A user account as the API shows it (never its password). */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitId: string | null;
  disabled?: boolean;
  createdAt?: string;
}

/** A unit of the administrative tree: province → (district) → commune. */
export interface UnitView {
  id: string;
  parentId: string | null;
  name: string;
  kind: string;
  code: string | null;
  /** When the unit was merged away or dissolved; null while it exists. */
  retiredAt?: string | null;
  /** The unit that absorbed this one in a merger. */
  mergedIntoId?: string | null;
}

/** One row of a unit-tree CSV (code, name, level, parent code), as read. */
export interface UnitImportRow {
  code: string;
  name: string;
  kind: string;
  parentCode: string | null;
}

/** What a unit-tree import did. */
export interface UnitImportResult {
  created: number;
  updated: number;
  unchanged: number;
}

/** A station as the API shows it (its token only as a hint). */
export interface StationView {
  id: string;
  unitId: string;
  name: string;
  code: string;
  tokenHint: string | null;
  hasToken: boolean;
  lastSeenAt: string | null;
  agentVersion: string | null;
  /** The agent reported a version older than the server's (null: not known). */
  agentOutdated: boolean | null;
  /** When a station box last exchanged an enrolment code for this station's token. */
  enrolledAt: string | null;
  /** When the station's enrolment code not yet used stops working (null: none open); `GET /stations` only. */
  enrolmentExpiresAt?: string | null;
  /** Off the air since then (null: in service). */
  disabledAt?: string | null;
  /** Quiet hours in local time, "HH:MM" each; only khẩn cấp plays between them. */
  quietStart?: string | null;
  quietEnd?: string | null;
  /**
   * The languages its programmes should air in, preferred first (codes of `GET /languages`); a programme
   * with none of them airs its Vietnamese audio. Empty: Vietnamese only.
   */
  languages?: string[];
}

/** A one-time enrolment code for `loa-agent enrol`; the server shows it only when issued. */
export interface EnrolmentCode {
  code: string;
  expiresAt: string;
}

/** `POST /stations/:id/enrolment` (and `POST /stations`, with the token too): the station and its new code. */
export interface StationEnrolmentView {
  station: StationView;
  enrolment: EnrolmentCode;
}

/** `POST /stations/:id/token`: the station and its new token, shown this once. */
export interface IssuedStationToken {
  station: StationView;
  token: string;
}

/** `POST /stations`: the new station, its token and its first enrolment code, each shown only here. */
export type CreatedStation = IssuedStationToken & StationEnrolmentView;

/** `POST /auth/login`: the sign-in token, how many seconds it lasts, and the account. */
export interface LoginResult {
  accessToken: string;
  expiresIn: number;
  user: UserView;
}

/** `GET /auth/me`: who the sign-in token names. */
export interface SessionView {
  kind: 'user';
  userId: string;
  username: string;
  role: Role;
  unitId: string | null;
}
