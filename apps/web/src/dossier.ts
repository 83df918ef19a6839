import { dayStart } from './time';

/** What the "Tải hồ sơ" button asks for: the logbook screen's station and days. */
export interface DossierRequest {
  stationId: string;
  /** Local days, YYYY-MM-DD; `to` is included. */
  from: string;
  to: string;
  /** The audio as a list with sha256 and download path instead of the files. */
  audioLinks: boolean;
}

/** The dossier's address, or null until both days are chosen: a dossier is always of a period. */
export function dossierPath(r: DossierRequest): string | null {
  if (!r.from || !r.to) return null;
  const q = new URLSearchParams();
  if (r.stationId) q.set('stationId', r.stationId);
  q.set('from', dayStart(r.from));
  q.set('to', new Date(Date.parse(dayStart(r.to)) + 24 * 3600_000).toISOString());
  if (r.audioLinks) q.set('audio', 'links');
  return `/api/logbook/dossier?${q.toString()}`;
}
