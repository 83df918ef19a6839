/**
 * Dates and times typed the way people here write them, whatever the browser's language: "05/12/2026"
 * and "17:30" (24-hour). The model keeps the ISO forms the API and the rest of the console use.
 */

/** "YYYY-MM-DD" → "DD/MM/YYYY"; '' stays ''. */
export function isoToViDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '';
}

/** "D/M/YYYY" (also with "-" or ".", or an ISO "YYYY-MM-DD" pasted in) → "YYYY-MM-DD", or null when it is not a real date. */
export function viDateToIso(text: string): string | null {
  const iso = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text);
  const m = iso ? [iso[0], iso[3], iso[2], iso[1]] : /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(text);
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** "H:mm" or "HH:mm:ss" (24-hour) → "HH:mm" or "HH:mm:ss", or null. */
export function normaliseTime(text: string, withSeconds = false): string | null {
  const m = /^\s*(\d{1,2})[:h.](\d{2})(?::(\d{2}))?\s*$/.exec(text);
  if (!m) return null;
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return null;
  const hm = `${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}`;
  return withSeconds ? `${hm}:${String(s).padStart(2, '0')}` : hm;
}
