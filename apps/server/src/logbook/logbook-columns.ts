import { AIR_VERDICT_LABELS, languageLabel, MAIN_LANGUAGE, type AirVerdict } from '@loa/api-types';
import type { LogbookLine, LogbookResult, LogbookSource } from './logbook-line.entity';
import { reasonText, RESULT_LABELS, SOURCE_LABELS } from './logbook-rules';
import { XLSX_FORMATS } from '../common/vi-number';
import { LocalTime } from './local-time';

/** The columns of a logbook line that exports read; the hashes and ids stay out of the printed forms. */
export const EXPORT_FIELDS = [
  'id',
  'stationId',
  'stationName',
  'unitId',
  'year',
  'number',
  'chainPos',
  'occurrenceId',
  'revision',
  'amendsLineId',
  'correctionReason',
  'programmeTitle',
  'chuyenMuc',
  'topic',
  'source',
  'priority',
  'speakerClusters',
  'plannedStart',
  'actualStart',
  'endedAt',
  'durationMs',
  'plannedDurationMs',
  'startErrorMs',
  'result',
  'reason',
  'detail',
  'recordedBy',
  'createdAt',
  'lineHash',
  'airVerdict',
  'airCoveragePct',
  'deadAirMs',
  'language',
] as const satisfies readonly (keyof LogbookLine)[];

export type ExportRow = Pick<LogbookLine, (typeof EXPORT_FIELDS)[number]>;

export interface LogbookColumn {
  header: string;
  /** Width in characters, for the spreadsheet. */
  width: number;
  /** Share of the printable width, for the PDF. */
  weight: number;
  /** For a value of fixed form (a date, a time): its widest text, which the PDF keeps on one line. */
  sample?: string;
  /** The spreadsheet's number format for a figure, shown in the reader's locale ("1.234" in Vietnamese). */
  numFmt?: string;
  value: (row: ExportRow) => string | number;
}

/** "15:02" (minutes:seconds) for a duration. */
export function minutesSeconds(ms: number | null): string {
  if (ms === null) return '';
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

export function noteOf(row: Pick<ExportRow, 'revision' | 'amendsLineId' | 'correctionReason'>): string {
  return row.revision > 0 ? `Đính chính lần ${row.revision} cho dòng mã ${row.amendsLineId}: ${row.correctionReason ?? ''}` : '';
}

/** "Xác nhận phát sóng (97%)", with dead air after it; empty for a line of an airing that never went out. */
export function airProofText(row: Pick<ExportRow, 'airVerdict' | 'airCoveragePct' | 'deadAirMs'>): string {
  if (!row.airVerdict) return '';
  const label = AIR_VERDICT_LABELS[row.airVerdict as AirVerdict] ?? row.airVerdict;
  const coverage = row.airVerdict !== 'no_capture' && row.airCoveragePct !== null ? ` (${row.airCoveragePct}%)` : '';
  const dead = row.deadAirMs ? `; lặng sóng ${Math.round(row.deadAirMs / 1000)} giây` : '';
  return label + coverage + dead;
}

/** The programme's title, and the language version that aired when it was not the Vietnamese one. */
export function programmeText(row: Pick<ExportRow, 'programmeTitle' | 'language'>): string {
  return row.language && row.language !== MAIN_LANGUAGE ? `${row.programmeTitle} (bản ${languageLabel(row.language)})` : row.programmeTitle;
}

/** The columns of the sổ nhật ký, in the order the form prints them. */
export function logbookColumns(local: LocalTime): LogbookColumn[] {
  const time = (iso: string | null) => (iso ? local.time(iso) : '');
  return [
    { header: 'Số TT', width: 7, weight: 4, sample: '00000', value: (r) => r.number },
    { header: 'Ngày', width: 11, weight: 7, sample: '00/00/0000', value: (r) => local.date(r.plannedStart) },
    { header: 'Giờ phát theo lịch', width: 10, weight: 6, sample: '00:00:00', value: (r) => time(r.plannedStart) },
    { header: 'Giờ bắt đầu', width: 10, weight: 6, sample: '00:00:00', value: (r) => time(r.actualStart) },
    { header: 'Giờ kết thúc', width: 10, weight: 6, sample: '00:00:00', value: (r) => time(r.endedAt) },
    { header: 'Thời lượng (phút:giây)', width: 10, weight: 6, sample: '000:00', value: (r) => minutesSeconds(r.durationMs) },
    { header: 'Chương trình', width: 36, weight: 18, value: (r) => programmeText(r) },
    { header: 'Chuyên mục', width: 22, weight: 16, value: (r) => r.chuyenMuc },
    { header: 'Chủ đề', width: 18, weight: 9, value: (r) => r.topic ?? '' },
    { header: 'Nguồn', width: 20, weight: 10, value: (r) => SOURCE_LABELS[r.source as LogbookSource] ?? r.source },
    { header: 'Trạm / cụm loa', width: 20, weight: 10, value: (r) => (r.speakerClusters ? `${r.stationName} (${r.speakerClusters})` : r.stationName) },
    { header: 'Kết quả', width: 16, weight: 9, value: (r) => RESULT_LABELS[r.result as LogbookResult] ?? r.result },
    { header: 'Lý do', width: 30, weight: 12, value: (r) => reasonText(r.reason, r.detail) },
    { header: 'Sai lệch giờ bắt đầu (ms)', width: 10, weight: 6, numFmt: XLSX_FORMATS.count, value: (r) => (r.startErrorMs === null ? '' : Math.round(r.startErrorMs)) },
    { header: 'Xác nhận phát sóng', width: 22, weight: 9, value: (r) => airProofText(r) },
    { header: 'Người ghi', width: 12, weight: 6, value: (r) => r.recordedBy },
    { header: 'Ghi chú', width: 30, weight: 10, value: (r) => noteOf(r) },
  ];
}
