import type { DownloadStatus } from '@loa/protocol';
import { locale, t } from './i18n';
import { fmtDateTime } from './time';

/** Numbers as people here write them: "12.345,7" in Vietnamese. */
export function fmtNumber(n: number | null | undefined, fractionDigits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return t('none');
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: fractionDigits }).format(n);
}

/** A 0–1 ratio as a percentage with one decimal: "100,0%". */
export function fmtPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return t('none');
  return new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ratio);
}

/** Milliseconds as seconds with one decimal: "13,8 giây". */
export function fmtSeconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return t('none');
  return t('secondsDecimal', { n: fmtNumber(ms / 1000, 1) });
}

/** A whole number of milliseconds, signed where it is an offset: "−12", "1.250". */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return t('none');
  return fmtNumber(Math.round(ms), 0);
}

/** The station's download limits in one line ("tối đa 256 kbit/s · chỉ tải trong 22:00-05:00 …"); null when it has none. */
export function fmtDownloadLimits(d: DownloadStatus | undefined): string | null {
  if (!d || (d.capKbps === null && d.window === null)) return null;
  const parts: string[] = [];
  if (d.capKbps !== null) parts.push(t('downloadCap', { kbps: fmtNumber(d.capKbps, 0) }));
  if (d.window !== null) parts.push(t(d.windowOpen ? 'downloadWindowOpen' : 'downloadWindowClosed', { window: d.window }));
  if (d.deferredFiles > 0) parts.push(t('downloadDeferred', { n: d.deferredFiles, at: d.nextWindowAt ? fmtDateTime(d.nextWindowAt) : t('none') }));
  return parts.join(' · ');
}
