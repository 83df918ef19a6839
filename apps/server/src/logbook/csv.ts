/** The byte-order mark that makes Excel read a CSV file as UTF-8, so Vietnamese shows correctly. */
export const UTF8_BOM = '\uFEFF';

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
}

/** One CSV record (RFC 4180): fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvLine(fields: ReadonlyArray<string | number | null | undefined>): string {
  return fields.map(csvField).join(',') + '\r\n';
}

function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // A leading = + - @ would run as a formula when the file is opened in a spreadsheet.
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader<T>(columns: ReadonlyArray<CsvColumn<T>>): string {
  return UTF8_BOM + csvLine(columns.map((c) => c.header));
}

export function csvRow<T>(columns: ReadonlyArray<CsvColumn<T>>, row: T): string {
  return csvLine(columns.map((c) => c.value(row)));
}
