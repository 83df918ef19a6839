/**
 * Writes numbers, dates, times and percentages of a Vietnamese text out in words, as a newsreader says
 * them, so a speech engine reads "05/11/2026" as "ngày năm tháng mười một năm hai nghìn không trăm hai
 * mươi sáu" and "1.250" as "một nghìn hai trăm năm mươi". Vietnamese writes thousands with "." and
 * decimals with ",".
 */

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'];
const GROUPS = ['', 'nghìn', 'triệu', 'tỷ'];

/** 0–999, as a group of a larger number when `full` (then "không trăm" and "linh" are said). */
function threeDigits(n: number, full: boolean): string {
  const hundreds = Math.floor(n / 100);
  const tens = Math.floor((n % 100) / 10);
  const units = n % 10;
  const words: string[] = [];
  if (hundreds > 0 || full) words.push(DIGITS[hundreds], 'trăm');
  if (tens === 0) {
    if (units > 0 && words.length > 0) words.push('linh', DIGITS[units]);
    else if (units > 0 || words.length === 0) words.push(DIGITS[units]);
  } else if (tens === 1) {
    words.push('mười');
    if (units === 5) words.push('lăm');
    else if (units > 0) words.push(DIGITS[units]);
  } else {
    words.push(DIGITS[tens], 'mươi');
    if (units === 1) words.push('mốt');
    else if (units === 4) words.push('tư');
    else if (units === 5) words.push('lăm');
    else if (units > 0) words.push(DIGITS[units]);
  }
  return words.join(' ');
}

/** A whole number in words; beyond a thousand billion the digits are read one by one. */
export function numberToWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a whole number: ${n}`);
  if (n >= 1e15) return String(n).split('').map((d) => DIGITS[Number(d)]).join(' ');
  if (n < 1000) return threeDigits(n, false);
  const groups: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 1000)) groups.push(rest % 1000);
  const words: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i];
    // Past a thousand billion the groups start again: "nghìn tỷ".
    const name = i >= 4 ? `${GROUPS[i - 3]} tỷ`.trim() : GROUPS[i];
    if (g === 0) {
      if (i === 3 && words.length > 0) words.push('tỷ');
      continue;
    }
    words.push(threeDigits(g, i < groups.length - 1));
    if (name) words.push(name);
  }
  return words.join(' ').replace(/\s+/g, ' ').trim();
}

/** Digits after a decimal comma: "2,5" is "hai phẩy năm", "0,05" "không phẩy không năm". */
function decimalToWords(whole: string, fraction: string): string {
  const fractionWords =
    fraction.length <= 2 && !fraction.startsWith('0') ? numberToWords(Number(fraction)) : fraction.split('').map((d) => DIGITS[Number(d)]).join(' ');
  return `${numberToWords(Number(whole))} phẩy ${fractionWords}`;
}

function validDate(d: number, m: number, y?: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y ?? 2024, m, 0)).getUTCDate();
  return d <= days;
}

function dateWords(d: number, m: number, y?: number): string {
  const words = `ngày ${numberToWords(d)} tháng ${numberToWords(m)}`;
  return y === undefined ? words : `${words} năm ${numberToWords(y)}`;
}

export function verbaliseVietnamese(text: string): string {
  let out = text.normalize('NFC');
  // "ngày 05/11/2026": the word is already there, do not say it twice.
  out = out.replace(/(\bngày\s+)?\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b/giu, (all, _lead: string | undefined, d: string, m: string, y: string) =>
    validDate(Number(d), Number(m), Number(y)) ? dateWords(Number(d), Number(m), Number(y)) : all,
  );
  out = out.replace(/(\bngày\s+)?\b(\d{1,2})\/(\d{1,2})\b(?![/\d])/giu, (all, _lead: string | undefined, d: string, m: string) =>
    validDate(Number(d), Number(m)) ? dateWords(Number(d), Number(m)) : all,
  );
  // Times: 6:30, 06h30, 17h.
  out = out.replace(/\b(\d{1,2})(?::|h)(\d{2})\b/giu, (all, h: string, min: string) =>
    Number(h) < 24 && Number(min) < 60 ? `${numberToWords(Number(h))} giờ ${Number(min) === 0 ? '' : `${numberToWords(Number(min))} phút`}`.trim() : all,
  );
  out = out.replace(/\b(\d{1,2})h\b/giu, (all, h: string) => (Number(h) < 24 ? `${numberToWords(Number(h))} giờ` : all));
  // Numbers: 1.250.000 (thousands), 2,5 (decimal), 15% (percent).
  out = out.replace(/\b(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(\s*%)?/gu, (_all, whole: string, fraction: string | undefined, percent: string | undefined) => {
    const digits = whole.replace(/\./g, '');
    const words = fraction ? decimalToWords(digits, fraction) : numberToWords(Number(digits));
    return percent ? `${words} phần trăm` : words;
  });
  return out.replace(/[ \t]+/g, ' ').trim();
}
