import type { ChainCheckView, PlanTargetScope, StationView } from '@loa/api-types';
import { t } from './i18n';

/**
 * The rules the chuyên mục, plan-target and station-detail forms check before they send anything: the
 * server checks them again and its Vietnamese message is shown when it refuses.
 */

/** A loudness target typed by hand: null for "the default" (empty), or a number in the server's range. */
export function parseLufs(text: string): { ok: true; value: number | null } | { ok: false; message: string } {
  const trimmed = text.trim().replace('−', '-').replace(',', '.');
  if (!trimmed) return { ok: true, value: null };
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < -31 || value > -10) return { ok: false, message: t('loudnessInvalid') };
  return { ok: true, value };
}

export interface PlanTargetForm {
  name: string;
  chuyenMucId: string;
  scope: PlanTargetScope;
  stationId: string;
  unitId: string;
  minPerMonth: number | string;
}

/** The body of `POST /plan-targets` for a filled form: only the place its scope names. */
export function planTargetBody(f: PlanTargetForm) {
  return {
    name: f.name.trim(),
    chuyenMucId: f.chuyenMucId,
    scope: f.scope,
    ...(f.scope === 'station' ? { stationId: f.stationId } : { unitId: f.unitId }),
    minPerMonth: Number(f.minPerMonth),
  };
}

/**
 * The whole months from `month` ("YYYY-MM") on, `count` of them, as Vietnam-time instants for
 * `GET /plan-targets/compliance`.
 */
export function complianceRange(month: string, count: number): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number);
  const end = new Date(Date.UTC(y, m - 1 + Math.max(1, Math.min(12, count)), 1));
  const pad = (n: number) => String(n).padStart(2, '0');
  return { from: `${y}-${pad(m)}-01T00:00:00+07:00`, to: `${end.getUTCFullYear()}-${pad(end.getUTCMonth() + 1)}-01T00:00:00+07:00` };
}

/** The month (Vietnam time) an instant falls in, "YYYY-MM". */
export function monthOf(now: number): string {
  return new Date(now + 7 * 3600_000).toISOString().slice(0, 7);
}

/** A key fingerprint in groups of four, as people read it aloud to compare. */
export function shortFingerprint(fp: string | null | undefined): string {
  return fp ? (fp.slice(0, 32).match(/.{1,4}/g) ?? []).join(':') : t('none');
}

/** What the station's enrolment looks like now: enrolled or not, and its open code's state. */
export function enrolmentState(s: Pick<StationView, 'enrolledAt' | 'enrolmentExpiresAt'>, now: number): { enrolled: boolean; code: 'open' | 'expired' | 'none' } {
  const code = !s.enrolmentExpiresAt ? 'none' : Date.parse(s.enrolmentExpiresAt) > now ? 'open' : 'expired';
  return { enrolled: s.enrolledAt !== null, code };
}

/** One station's check as the badge says it. */
export function chainVerdict(c: Pick<ChainCheckView, 'ok'>): { tone: 'ok' | 'bad'; label: string } {
  return c.ok ? { tone: 'ok', label: t('chainVerified') } : { tone: 'bad', label: t('chainNotVerified') };
}

/** The full address of a calendar link, to paste in a phone's calendar app. */
export function calendarAddress(origin: string, path: string): string {
  return `${origin.replace(/\/+$/, '')}${path}`;
}
