import { parse } from 'csv-parse/sync';
import type { UnitImportRow } from '@loa/api-types';

/** A problem with one row of an import (row 1 is the header). */
export interface RowProblem {
  row: number;
  message: string;
}

const CODE = /^[A-Za-z0-9_.-]{1,50}$/;
/** The header's four columns, in order, as people may write them (case, accents and spacing aside). */
const HEADERS = [
  ['code', 'ma', 'ma don vi'],
  ['name', 'ten', 'ten don vi'],
  ['level', 'kind', 'cap'],
  ['parent code', 'parent', 'ma cap tren', 'ma don vi cap tren'],
];

const plain = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/gi, 'd')
    .replace(/[_\s]+/g, ' ')
    .trim()
    .toLowerCase();

/**
 * Reads a unit-tree CSV (code, name, level, parent code; a header row first) and checks each row on its
 * own and against the others: every code well formed and once only, name and level present, a parent code
 * that is in the file or in `known` (codes already in the database), and no row its own ancestor.
 * Returns the rows, parents first, each with its line in the file, or every problem found, by line.
 */
export function readUnitCsv(text: string, known: ReadonlySet<string>): { rows: (UnitImportRow & { line: number })[]; problems: RowProblem[] } {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    return { rows: [], problems: [{ row: line ?? 1, message: 'Tệp CSV không đọc được (dấu ngoặc kép không khớp?).' }] };
  }
  if (!records.length) return { rows: [], problems: [{ row: 1, message: 'Tệp trống.' }] };
  const header = records[0].map(plain);
  if (header.length < 4 || !HEADERS.every((names, i) => names.includes(header[i]))) {
    return { rows: [], problems: [{ row: 1, message: 'Dòng đầu phải là tiêu đề: code,name,level,parent code (mã, tên, cấp, mã đơn vị cấp trên).' }] };
  }
  const problems: RowProblem[] = [];
  const rows: (UnitImportRow & { line: number })[] = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.length !== 4) return problems.push({ row: line, message: `cần đúng 4 cột, dòng này có ${cells.length}.` });
    const [code, name, kind, parent] = cells;
    if (!CODE.test(code)) return problems.push({ row: line, message: `mã đơn vị "${code}" không hợp lệ (chỉ chữ không dấu, số và - _ ., tối đa 50 ký tự).` });
    if (seen.has(code)) return problems.push({ row: line, message: `mã đơn vị "${code}" đã có ở dòng ${seen.get(code)}.` });
    seen.set(code, line);
    if (!name || name.length > 200) return problems.push({ row: line, message: 'thiếu tên đơn vị (hoặc dài quá 200 ký tự).' });
    if (!kind || kind.length > 50) return problems.push({ row: line, message: 'thiếu cấp đơn vị (Tỉnh, Xã, Phường…) hoặc dài quá 50 ký tự.' });
    if (parent === code) return problems.push({ row: line, message: 'đơn vị không thể là cấp trên của chính nó.' });
    rows.push({ line, code, name, kind, parentCode: parent || null });
  });
  const inFile = new Map(rows.map((r) => [r.code, r]));
  for (const r of rows) {
    if (r.parentCode !== null && !inFile.has(r.parentCode) && !known.has(r.parentCode)) {
      problems.push({ row: r.line, message: `mã đơn vị cấp trên "${r.parentCode}" không có trong tệp và chưa có trong hệ thống.` });
      continue;
    }
    // A chain of parents inside the file that comes back to this row.
    const chain = new Set([r.code]);
    let at = r.parentCode ? inFile.get(r.parentCode) : undefined;
    while (at) {
      if (chain.has(at.code)) {
        problems.push({ row: r.line, message: `các đơn vị trong tệp làm cấp trên của nhau thành vòng (qua "${at.code}").` });
        break;
      }
      chain.add(at.code);
      at = at.parentCode ? inFile.get(at.parentCode) : undefined;
    }
  }
  problems.sort((a, b) => a.row - b.row);
  return { rows: problems.length ? [] : sortParentsFirst(rows), problems };
}

/** Rows ordered so that each row's parent in the file comes before it. */
function sortParentsFirst<T extends UnitImportRow>(rows: readonly T[]): T[] {
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const out: T[] = [];
  const placed = new Set<string>();
  const place = (r: T) => {
    if (placed.has(r.code)) return;
    placed.add(r.code);
    const parent = r.parentCode ? byCode.get(r.parentCode) : undefined;
    if (parent) place(parent);
    out.push(r);
  };
  rows.forEach(place);
  return out;
}
