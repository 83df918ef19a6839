import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, SelectQueryBuilder } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { formatLocal } from '../schedule/zoned-time';
import { UnitsService } from '../units/units.service';
import { csvHeader, CsvColumn, csvRow } from './csv';
import { LogbookLine } from './logbook-line.entity';
import { RESULT_LABELS, SOURCE_LABELS } from './logbook-rules';

export interface LogbookFilter {
  stationId?: string;
  unitId?: string;
  from?: string;
  to?: string;
  chuyenMuc?: string;
  result?: string;
}

const EXPORT_PAGE = 2000;

@Injectable()
export class LogbookService {
  constructor(
    @InjectRepository(LogbookLine) private readonly lines: Repository<LogbookLine>,
    private readonly units: UnitsService,
    private readonly config: AppConfig,
  ) {}

  /** A page of lines in the order they were written; `after` is the last id of the previous page. */
  async list(filter: LogbookFilter, page: { limit: number; after: number }) {
    const qb = await this.query(filter);
    const items = await qb.andWhere('line.id > :after', { after: page.after }).orderBy('line.id', 'ASC').take(page.limit).getMany();
    return { items, next: items.length === page.limit ? items[items.length - 1].id : null };
  }

  /**
   * The logbook as CSV, written in pages so memory stays flat however long it is.
   * `write` returns a promise that settles when the consumer can take more.
   */
  async exportCsv(filter: LogbookFilter, write: (chunk: string) => Promise<void>): Promise<number> {
    const columns = this.csvColumns();
    await write(csvHeader(columns));
    let after = 0;
    let count = 0;
    for (;;) {
      const qb = await this.query(filter);
      const rows = await qb.andWhere('line.id > :after', { after }).orderBy('line.id', 'ASC').take(EXPORT_PAGE).getMany();
      if (!rows.length) break;
      await write(rows.map((r) => csvRow(columns, { ...r, n: ++count })).join(''));
      after = rows[rows.length - 1].id;
    }
    return count;
  }

  private csvColumns(): CsvColumn<LogbookLine & { n: number }>[] {
    const tz = this.config.timezone;
    const local = (iso: string | null) => (iso ? formatLocal(iso, tz, true) : '');
    return [
      { header: 'STT', value: (r) => r.n },
      { header: 'Trạm', value: (r) => r.stationName },
      { header: 'Ngày', value: (r) => formatLocal(r.plannedStart, tz).slice(0, 10) },
      { header: 'Giờ phát dự kiến', value: (r) => local(r.plannedStart) },
      { header: 'Giờ bắt đầu thực tế', value: (r) => local(r.actualStart) },
      { header: 'Giờ kết thúc', value: (r) => local(r.endedAt) },
      { header: 'Thời lượng (giây)', value: (r) => (r.durationMs === null ? '' : (r.durationMs / 1000).toFixed(1)) },
      { header: 'Chương trình', value: (r) => r.programmeTitle },
      { header: 'Chuyên mục', value: (r) => r.chuyenMuc },
      { header: 'Nguồn', value: (r) => SOURCE_LABELS[r.source] ?? r.source },
      { header: 'Kết quả', value: (r) => RESULT_LABELS[r.result] },
      { header: 'Lý do', value: (r) => r.detail ?? r.reason ?? '' },
      { header: 'Sai lệch giờ bắt đầu (ms)', value: (r) => (r.startErrorMs === null ? '' : Math.round(r.startErrorMs)) },
      { header: 'Người ghi', value: (r) => r.recordedBy },
    ];
  }

  private async query(filter: LogbookFilter): Promise<SelectQueryBuilder<LogbookLine>> {
    const qb = this.lines.createQueryBuilder('line').where('1 = 1');
    if (filter.stationId) qb.andWhere('line.stationId = :stationId', { stationId: filter.stationId });
    if (filter.unitId) {
      const unitIds = await this.units.subtreeIds(filter.unitId);
      qb.andWhere('line.unitId IN (:...unitIds)', { unitIds });
    }
    if (filter.from) qb.andWhere('line.plannedStart >= :from', { from: new Date(filter.from).toISOString() });
    if (filter.to) qb.andWhere('line.plannedStart < :to', { to: new Date(filter.to).toISOString() });
    if (filter.chuyenMuc) qb.andWhere('line.chuyenMuc = :chuyenMuc', { chuyenMuc: filter.chuyenMuc });
    if (filter.result) qb.andWhere(new Brackets((b) => b.where('line.result = :result', { result: filter.result })));
    return qb;
  }
}
