import { LoaError } from '../common/errors';
import type { AudioFacts, DecodeCheck } from './audio-probe.service';

/** A decode this much shorter than what the file declares means the file was cut. */
const MAX_MISSING_RATIO = 0.2;
const MIN_MISSING_MS = 500;

/** The chuyên mục as the client sent it (a multipart field), trimmed; empty is none. */
export function chuyenMucOf(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.trim().length > 200) {
    throw new LoaError('validation_failed', 'Tên chuyên mục không hợp lệ (tối đa 200 ký tự).', { field: 'chuyenMuc' });
  }
  return value.trim() || null;
}

/** "2,7 MB", "512 KB". */
export function formatBytes(n: number): string {
  const f = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });
  return n >= 1024 * 1024 ? `${f.format(n / (1024 * 1024))} MB` : `${f.format(Math.max(1, n / 1024))} KB`;
}

/** "4 giờ 05 phút", "12 phút 30 giây". */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} giờ ${String(m).padStart(2, '0')} phút`;
  if (m > 0) return `${m} phút ${String(s).padStart(2, '0')} giây`;
  return `${s} giây`;
}

/** Why a file that probes as audio still cannot be aired, or null when it decodes in full. */
export function unreadableProblem(audio: AudioFacts, decoded: DecodeCheck): string | null {
  if (decoded.errors.length > 0) return 'decoder reported errors';
  if (decoded.decodedMs <= 0) return 'no audio decodes';
  const declared = audio.durationMs;
  if (declared !== null && declared > 0) {
    const missing = declared - decoded.decodedMs;
    if (missing >= MIN_MISSING_MS && missing > declared * MAX_MISSING_RATIO) {
      return `decodes ${decoded.decodedMs} ms of ${declared} ms declared`;
    }
  }
  return null;
}

/** The extension an original is stored under, from the container ffprobe recognised. */
export function extensionFor(formatName: string): string {
  const first = formatName.split(',')[0] ?? '';
  const known: Record<string, string> = {
    mov: 'm4a',
    matroska: 'mka',
    asf: 'wma',
    mpegts: 'ts',
  };
  const ext = known[first] ?? first;
  return /^[a-z0-9]{1,10}$/.test(ext) ? ext : 'bin';
}

/** Keeps the client's file name as a label only: no folders, no control characters, bounded length. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return cleaned || 'khong-ten';
}
