/**
 * Numbers as Vietnamese readers write them: a comma before the decimals and dots between thousands
 * ("1.234,5", "100,0%"), in every export and report, prose and tables alike.
 */
const decimals = new Map<number, Intl.NumberFormat>();

/** "1.234,5": at most `digits` decimals (none shown when they are zero). */
export function viNumber(n: number, digits = 1): string {
  let f = decimals.get(digits);
  if (!f) {
    f = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: digits });
    decimals.set(digits, f);
  }
  return f.format(n);
}

const percent = new Intl.NumberFormat('vi-VN', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A ratio as "97,5%"; "—" when there is nothing to divide. */
export function viPercent(ratio: number | null): string {
  return ratio === null ? '—' : percent.format(ratio);
}

/** Spreadsheet formats for the same figures: Excel and LibreOffice show them in the reader's locale. */
export const XLSX_FORMATS = { minutes: '#,##0.0', count: '#,##0', ratio: '0.0%' } as const;
