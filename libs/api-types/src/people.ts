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
}

/** A one-time enrolment code for `loa-agent enrol`; the server shows it only when issued. */
export interface EnrolmentCode {
  code: string;
  expiresAt: string;
}
