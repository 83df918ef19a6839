import { locale, t } from './i18n';

/** Schedules are authored and shown in Vietnam time, which has no daylight saving. */
export const ZONE = 'Asia/Ho_Chi_Minh';
const OFFSET_MS = 7 * 3600_000;

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return t('none');
  return new Intl.DateTimeFormat(locale(), { timeZone: ZONE, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
}

export function fmtTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return t('none');
  const total = Math.round(ms / 1000);
  return total < 60 ? t('seconds', { n: total }) : t('minutes', { m: Math.floor(total / 60), s: total % 60 });
}

/** An instant as Vietnam wall-clock time, "YYYY-MM-DDTHH:MM:SS", for inputs and the calendar. */
export function toWall(iso: string | number | Date): string {
  return new Date(new Date(iso).getTime() + OFFSET_MS).toISOString().slice(0, 19);
}

/** Vietnam wall-clock "YYYY-MM-DDTHH:MM[:SS]" back to an ISO instant with its offset, as the API takes it. */
export function fromWall(wall: string): string {
  const full = wall.length === 16 ? `${wall}:00` : wall.slice(0, 19);
  return `${full}+07:00`;
}

/** The start of a Vietnam day ("YYYY-MM-DD") as an instant. */
export function dayStart(date: string): string {
  return new Date(`${date}T00:00:00+07:00`).toISOString();
}
