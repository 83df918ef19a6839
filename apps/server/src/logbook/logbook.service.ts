import { Injectable } from '@nestjs/common';
import type { ChainVerifyView, LogbookPage } from '@loa/api-types';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Principal } from '../auth/principal';
import { AccessPolicy } from '../access/access-policy';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { UnitOfWork } from '../database/unit-of-work';
import { AppConfig } from '../config/app-config';
import { Station } from '../stations/station.entity';
import { UnitsService } from '../units/units.service';
import { sha256 } from './chain';
import { csvHeader, CsvColumn, csvLine, csvRow } from './csv';
import type { CorrectionDto } from './dto/correction.dto';
import { ExportRow, logbookColumns } from './logbook-columns';
import { FormMeta, StationSection, writeLogbookPdf, writeLogbookXlsx } from './logbook-forms';
import { LogbookExport } from './logbook-export.entity';
import { LineQuery, LogbookLinesRepository } from './logbook-lines.repository';
import { LogbookLine } from './logbook-line.entity';
import { LogbookWriter } from './logbook-writer';
import { verifyStationChain, VerifyRange } from './logbook-verify';
import { LocalTime } from './local-time';
import { SealKeys } from './seal-keys';
import { shortFingerprint } from './seal-signature';
import { fromInstant } from '@loa/protocol';

export interface LogbookFilter {
  stationId?: string;
  unitId?: string;
  from?: string;
  to?: string;
  chuyenMuc?: string;
  source?: string;
  result?: string;
}

export type ExportFormat = 'logbook.csv' | 'logbook.xlsx' | 'logbook.pdf' | 'report.xlsx' | 'report.pdf' | 'dossier.zip';

export type LogbookExportFormat = 'csv' | 'xlsx' | 'pdf';

/** An export checked and recorded, ready to write: the filter is already narrowed to the caller's reach. */
export interface LogbookExportPlan {
  readonly format: LogbookExportFormat;
  readonly filter: LogbookFilter;
  readonly issuer: IssuerHint;
}

const OUTSIDE_LOGBOOK = 'Bạn chỉ xem được nhật ký của các trạm thuộc đơn vị mình.';

const EXPORT_PAGE = 2000;

/** Who asks for a form, when the filter names no unit: their own unit issues it. */
export interface IssuerHint {
  unitId?: string | null;
}

/** The signed-in user's unit, which issues a form whose filter names none. */
export function issuerOf(who: Principal): IssuerHint {
  return { unitId: who.kind === 'user' ? who.unitId : null };
}

@Injectable()
export class LogbookService {
  private readonly local: LocalTime;

  constructor(
    private readonly lines: LogbookLinesRepository,
    private readonly tx: UnitOfWork,
    private readonly writer: LogbookWriter,
    private readonly units: UnitsService,
    private readonly clock: Clock,
    private readonly access: AccessPolicy,
    private readonly keys: SealKeys,
    config: AppConfig,
  ) {
    this.local = new LocalTime(config.timezone);
  }

  /** The public keys seals are signed with, current first: anyone can check a seal with them. */
  publicKeys() {
    return { current: this.keys.fingerprint, keys: this.keys.published() };
  }

  /**
   * What every export prints about the seals: the signing key's fingerprint and the newest seal of the
   * exported stations, so a paper copy can be held against the database later.
   */
  async sealText(filter: LogbookFilter): Promise<string[]> {
    const last = await this.lines.latestSeal(
      filter.stationId ? { stationId: filter.stationId } : filter.unitId ? { unitIds: await this.units.subtreeIds(filter.unitId) } : 'all',
    );
    const key = `Khóa niêm phong Ed25519: ${this.keys.shortFingerprint}`;
    if (!last) return [key, 'Niêm phong cuối: chưa có'];
    const station = await this.lines.station(last.stationId);
    const by = last.keyId ? `ký bằng khóa ${shortFingerprint(last.keyId)}` : 'chưa ký';
    return [key, `Niêm phong cuối: ${this.local.dateTime(last.createdAt)}, ${station?.name ?? last.stationId}, dòng ${last.lastChainPos}, mã đầu chuỗi ${last.lastLineHash}, ${by}`];
  }

  /**
   * Narrows a filter to what the caller may see (the access policy's reach): anyone tied to a unit sees
   * only that unit's subtree.
   */
  scope(principal: Principal, filter: LogbookFilter): Promise<LogbookFilter> {
    return this.access.narrow(principal, filter, OUTSIDE_LOGBOOK);
  }

  /** A page of the lines `who` may read, narrowed to its reach. */
  async listFor(who: Principal, filter: LogbookFilter, page: { limit: number; after: number }): Promise<LogbookPage> {
    return this.list(await this.scope(who, filter), page);
  }

  /** Verifies the chains of the station asked for, or of every station `who` reaches. */
  async verifyFor(who: Principal, query: { stationId?: string; from?: string; to?: string }): Promise<ChainVerifyView> {
    const scope = await this.scope(who, { stationId: query.stationId });
    return this.verify(scope, { from: query.from, to: query.to });
  }

  /**
   * Checks an export before its first byte (so a refusal is still a JSON error) and records who took it;
   * `writeExport` then writes the plan.
   */
  async prepareExport(who: Principal, format: LogbookExportFormat, filter: LogbookFilter): Promise<LogbookExportPlan> {
    const scoped = await this.scope(who, filter);
    await this.recordExport(who, `logbook.${format}`, scoped);
    return { format, filter: scoped, issuer: issuerOf(who) };
  }

  async writeExport(plan: LogbookExportPlan, out: Writable): Promise<void> {
    switch (plan.format) {
      case 'csv':
        await this.exportCsv(plan.filter, async (chunk) => {
          if (!out.write(chunk)) await once(out, 'drain');
        });
        out.end();
        return;
      case 'xlsx':
        await this.exportXlsx(plan.filter, out, plan.issuer);
        return;
      case 'pdf':
        await this.exportPdf(plan.filter, out, plan.issuer);
        return;
    }
  }

  /** A page of lines in the order they were written; `after` is the last id of the previous page. */
  async list(filter: LogbookFilter, page: { limit: number; after: number }): Promise<{ items: LogbookLine[]; next: number | null }> {
    const items = await this.lines.page(await this.lineQuery(filter), page.after, page.limit);
    return { items, next: items.length === page.limit ? items[items.length - 1].id : null };
  }

  /** Lines matching the filter, page by page, read as plain rows (no entity building) for speed. */
  async *pages(filter: LogbookFilter, pageSize = EXPORT_PAGE): AsyncGenerator<ExportRow[]> {
    const q = await this.lineQuery(filter);
    let after = 0;
    for (;;) {
      const rows = await this.lines.rawPage(q, after, pageSize);
      if (!rows.length) return;
      yield rows;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  /**
   * The logbook as CSV (UTF-8 with a BOM, for Excel), written in pages so memory stays flat however long
   * it is. `write` returns a promise that settles when the consumer can take more.
   */
  async exportCsv(filter: LogbookFilter, write: (chunk: string) => Promise<void>): Promise<number> {
    const columns = this.csvColumns();
    await write(csvHeader(columns));
    let count = 0;
    for await (const rows of this.pages(filter)) {
      let chunk = '';
      for (const r of rows) chunk += csvRow(columns, r);
      count += rows.length;
      await write(chunk);
    }
    // After the lines, in the first column: the seal key and the newest seal, as on the XLSX and PDF.
    let tail = '';
    for (const text of await this.sealText(filter)) tail += csvLine([text]);
    await write(tail);
    return count;
  }

  async exportXlsx(filter: LogbookFilter, out: Writable, issuer: IssuerHint = {}): Promise<number> {
    return writeLogbookXlsx(out, await this.formMeta(filter, issuer), logbookColumns(this.local), this.sections(filter));
  }

  /** Returns the number of pages. */
  async exportPdf(filter: LogbookFilter, out: Writable, issuer: IssuerHint = {}): Promise<number> {
    return writeLogbookPdf(out, await this.formMeta(filter, issuer), logbookColumns(this.local), this.sections(filter));
  }

  /**
   * The digest printed on exports: sha256 over the filter's lines' chain hashes, in order. Anyone can
   * recompute it from the database and check a paper copy against it.
   */
  async digest(filter: LogbookFilter): Promise<string> {
    const q = await this.lineQuery(filter);
    let acc = sha256('loa-export');
    let after = 0;
    for (;;) {
      const raw = await this.lines.hashPage(q, after, 20_000);
      if (!raw.length) break;
      let chunk = acc;
      for (const r of raw) chunk += r.lineHash;
      acc = sha256(chunk);
      after = raw[raw.length - 1].id;
      if (raw.length < 20_000) break;
    }
    return acc;
  }

  /** A correction: a new line that amends the given one, linked into the chain like any other. */
  async correct(lineId: number, dto: CorrectionDto, principal: Principal): Promise<LogbookLine> {
    const by = principal.kind === 'user' ? principal.username : principal.stationName;
    const stored = await this.tx.run(async (m) => {
      const base = await this.lines.correctionBase(m, lineId);
      if (!base) throw new LoaError('not_found', 'Không tìm thấy dòng nhật ký này.');
      const { latest, original } = base;
      const [line] = await this.writer.append(m, [
        {
          stationId: latest.stationId,
          stationName: latest.stationName,
          unitId: latest.unitId,
          occurrenceId: latest.occurrenceId,
          revision: latest.revision + 1,
          amendsLineId: original.id,
          correctionReason: dto.reason,
          slotId: latest.slotId,
          programmeId: latest.programmeId,
          programmeTitle: dto.programmeTitle ?? latest.programmeTitle,
          chuyenMuc: dto.chuyenMuc ?? latest.chuyenMuc,
          topic: dto.topic ?? latest.topic,
          source: latest.source,
          priority: latest.priority,
          speakerClusters: dto.speakerClusters ?? latest.speakerClusters,
          plannedStart: latest.plannedStart,
          actualStart: latest.actualStart,
          endedAt: latest.endedAt,
          durationMs: latest.durationMs,
          plannedDurationMs: latest.plannedDurationMs,
          startErrorMs: latest.startErrorMs,
          result: dto.result ?? latest.result,
          reason: latest.reason,
          detail: dto.detail ?? latest.detail,
          recordedBy: by,
          createdAt: this.clock.nowInstant(),
          // What the station's capture heard is not the person's to correct: it carries over.
          airVerdict: latest.airVerdict,
          airConfirmedMs: latest.airConfirmedMs,
          airCoveragePct: latest.airCoveragePct,
          airOffsetMs: latest.airOffsetMs,
          deadAirMs: latest.deadAirMs,
          language: latest.language,
        },
      ]);
      return this.lines.lineAt(m, line.stationId, line.chainPos);
    });
    return stored;
  }

  /** Verifies the chain of one station, or of every station the filter's scope holds. */
  async verify(scope: { stationId?: string; unitId?: string }, range: VerifyRange): Promise<ChainVerifyView> {
    const stations = await this.stationsFor(scope);
    const keys = this.keys.publicKeys();
    const results = [];
    for (const s of stations) {
      const report = await this.tx.run((m) => verifyStationChain(m, s.id, range, keys));
      results.push({ stationId: s.id, stationName: s.name, code: s.code, ...report });
    }
    return { ok: results.every((r) => r.ok), checkedAt: this.clock.nowInstant(), keyFingerprint: this.keys.fingerprint, stations: results };
  }

  async recordExport(principal: Principal, format: ExportFormat, filter: object): Promise<void> {
    await this.lines.recordExport({
      userId: principal.kind === 'user' ? principal.userId : null,
      username: principal.kind === 'user' ? principal.username : principal.stationName,
      format,
      filter: JSON.stringify(filter).slice(0, 2000),
      createdAt: this.clock.nowInstant(),
    });
  }

  listExports(limit: number): Promise<LogbookExport[]> {
    return this.lines.exports(limit);
  }

  /** Text for a form's period line. */
  periodText(filter: Pick<LogbookFilter, 'from' | 'to'>): string {
    const from = filter.from ? this.local.date(filter.from) : null;
    // `to` is exclusive: the period ends the instant before it.
    const to = filter.to ? this.local.date(fromInstant(filter.to) - 1) : null;
    if (from && to) return `Từ ngày ${from} đến ngày ${to}`;
    if (from) return `Từ ngày ${from}`;
    if (to) return `Đến ngày ${to}`;
    return 'Toàn bộ';
  }

  /** The unit a form is issued by: the filter's unit or station's unit, else the signed-in user's, else the province. */
  async issuingUnit(filter: { unitId?: string; stationId?: string }, issuer: IssuerHint = {}): Promise<string> {
    if (filter.unitId) return this.units.issuerName(filter.unitId);
    if (filter.stationId) {
      const station = await this.lines.station(filter.stationId);
      if (station) return this.units.issuerName(station.unitId);
    }
    return this.units.issuerName(issuer.unitId);
  }

  private async formMeta(filter: LogbookFilter, issuer: IssuerHint): Promise<FormMeta> {
    return {
      issuingUnit: await this.issuingUnit(filter, issuer),
      period: this.periodText(filter),
      printedAt: this.local.dateTime(this.clock.nowInstant()),
      digest: await this.digest(filter),
      seal: await this.sealText(filter),
    };
  }

  private async *sections(filter: LogbookFilter): AsyncGenerator<StationSection> {
    const stations = await this.lines.stationsWithLines(await this.lineQuery(filter));
    for (const s of stations) yield { stationName: s.stationName, pages: this.pages({ ...filter, stationId: s.stationId }) };
  }

  private async stationsFor(scope: { stationId?: string; unitId?: string }): Promise<Station[]> {
    if (scope.stationId) {
      const station = await this.lines.station(scope.stationId);
      if (!station) throw new LoaError('not_found', 'Không tìm thấy trạm này.');
      if (scope.unitId && !(await this.units.subtreeIds(scope.unitId)).includes(station.unitId)) {
        throw new LoaError('forbidden', 'Trạm này nằm ngoài phạm vi tài khoản của bạn.');
      }
      return [station];
    }
    if (scope.unitId) return this.lines.stations(await this.units.subtreeIds(scope.unitId));
    return this.lines.stations();
  }

  private csvColumns(): CsvColumn<ExportRow>[] {
    const local = this.local;
    return [
      { header: 'Trạm', value: (r) => r.stationName },
      ...logbookColumns(local).map((c) => ({ header: c.header, value: c.value })),
      { header: 'Giờ phát dự kiến (UTC)', value: (r) => r.plannedStart },
      { header: 'Mã dòng', value: (r) => r.id },
      { header: 'Mã chuỗi (SHA-256)', value: (r) => r.lineHash },
    ];
  }

  /** The filter as the repository reads it: a unit widened to its subtree (instants came in the one form). */
  private async lineQuery(filter: LogbookFilter): Promise<LineQuery> {
    return {
      stationId: filter.stationId || undefined,
      unitIds: filter.unitId ? await this.units.subtreeIds(filter.unitId) : undefined,
      from: filter.from,
      to: filter.to,
      chuyenMuc: filter.chuyenMuc || undefined,
      source: filter.source || undefined,
      result: filter.result || undefined,
    };
  }
}
