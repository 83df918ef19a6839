import type { Tx } from '../../../apps/server/src/database/unit-of-work';
import { EXPORT_FIELDS, type ExportRow } from '../../../apps/server/src/logbook/logbook-columns';
import type { LogbookExport } from '../../../apps/server/src/logbook/logbook-export.entity';
import type { LogbookLine } from '../../../apps/server/src/logbook/logbook-line.entity';
import type { LineQuery, LogbookLinesRepository, SealScope } from '../../../apps/server/src/logbook/logbook-lines.repository';
import type { DeclinedAiring, DueAiring, MissesRepository, SweptStation } from '../../../apps/server/src/logbook/misses.repository';
import type { PlaybackEventRow } from '../../../apps/server/src/playback/playback-event.entity';
import type { StationAgentState } from '../../../apps/server/src/stations/station-agent-state.entity';
import type { LogbookSeal } from '../../../apps/server/src/logbook/logbook-seal.entity';
import type { Station } from '../../../apps/server/src/stations/station.entity';
import type { PublicPart } from './fakes';

function matches(l: LogbookLine, q: LineQuery): boolean {
  return (
    (!q.stationId || l.stationId === q.stationId) &&
    (!q.unitIds || q.unitIds.includes(l.unitId)) &&
    (!q.from || l.plannedStart >= q.from) &&
    (!q.to || l.plannedStart < q.to) &&
    (!q.chuyenMuc || l.chuyenMuc === q.chuyenMuc) &&
    (!q.source || l.source === q.source) &&
    (!q.result || l.result === q.result)
  );
}

/** Logbook lines, seals, stations and exports on record, in memory. */
export class InMemoryLogbookLines implements PublicPart<LogbookLinesRepository> {
  readonly lines: LogbookLine[] = [];
  readonly seals: LogbookSeal[] = [];
  readonly exportRows: LogbookExport[] = [];

  constructor(readonly stationRows: Station[] = []) {}

  private after(q: LineQuery, after: number, limit: number): LogbookLine[] {
    return this.lines
      .filter((l) => matches(l, q) && l.id > after)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
  }

  async page(q: LineQuery, after: number, limit: number): Promise<LogbookLine[]> {
    return this.after(q, after, limit);
  }

  async rawPage(q: LineQuery, after: number, limit: number): Promise<ExportRow[]> {
    return this.after(q, after, limit).map((l) => Object.fromEntries(EXPORT_FIELDS.map((f) => [f, l[f]])) as ExportRow);
  }

  async hashPage(q: LineQuery, after: number, limit: number): Promise<{ id: number; lineHash: string }[]> {
    return this.after(q, after, limit).map((l) => ({ id: l.id, lineHash: l.lineHash }));
  }

  async stationsWithLines(q: LineQuery): Promise<{ stationId: string; stationName: string }[]> {
    const names = new Map(this.lines.filter((l) => matches(l, q)).map((l) => [l.stationId, l.stationName]));
    return [...names].map(([stationId, stationName]) => ({ stationId, stationName })).sort((a, b) => a.stationName.localeCompare(b.stationName));
  }

  async latestSeal(scope: SealScope): Promise<LogbookSeal | null> {
    const inScope = (s: LogbookSeal) =>
      scope === 'all' || ('stationId' in scope ? s.stationId === scope.stationId : scope.unitIds.includes(this.stationRows.find((x) => x.id === s.stationId)?.unitId ?? ''));
    return [...this.seals].filter(inScope).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? null;
  }

  async station(id: string): Promise<Station | null> {
    return this.stationRows.find((s) => s.id === id) ?? null;
  }

  async stations(unitIds?: readonly string[]): Promise<Station[]> {
    return this.stationRows.filter((s) => !unitIds || unitIds.includes(s.unitId)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async correctionBase(_tx: Tx, lineId: number): Promise<{ latest: LogbookLine; original: LogbookLine } | null> {
    const target = this.lines.find((l) => l.id === lineId);
    if (!target) return null;
    const airing = this.lines.filter((l) => l.stationId === target.stationId && l.occurrenceId === target.occurrenceId);
    return { latest: airing.reduce((a, b) => (b.revision > a.revision ? b : a)), original: airing.find((l) => l.revision === 0)! };
  }

  async lineAt(_tx: Tx, stationId: string, chainPos: number): Promise<LogbookLine> {
    const line = this.lines.find((l) => l.stationId === stationId && l.chainPos === chainPos);
    if (!line) throw new Error(`no line ${stationId}#${chainPos}`);
    return line;
  }

  async recordExport(row: Omit<LogbookExport, 'id'>): Promise<void> {
    this.exportRows.push({ ...row, id: String(this.exportRows.length + 1) });
  }

  async exports(limit: number): Promise<LogbookExport[]> {
    return [...this.exportRows].reverse().slice(0, limit);
  }
}

/** What the miss sweep reads, in memory. */
export class InMemoryMisses implements PublicPart<MissesRepository> {
  readonly due: DueAiring[] = [];
  readonly started: Pick<PlaybackEventRow, 'stationId' | 'occurrenceId' | 'startedAt'>[] = [];
  readonly declines: DeclinedAiring[] = [];
  /** `${stationId} ${occurrenceId}` of the airings that have a line. */
  readonly lined = new Set<string>();
  readonly stationRows: SweptStation[] = [];
  readonly states: StationAgentState[] = [];

  async dueAirings(since: string, until: string): Promise<DueAiring[]> {
    return this.due.filter((a) => a.startAt >= since && a.startAt < until && !this.lined.has(`${a.stationId} ${a.occurrenceId}`));
  }

  async starts(occurrenceIds: readonly string[]): Promise<Pick<PlaybackEventRow, 'stationId' | 'occurrenceId' | 'startedAt'>[]> {
    return this.started.filter((e) => occurrenceIds.includes(e.occurrenceId));
  }

  async declinedByOperators(since: string, until: string): Promise<DeclinedAiring[]> {
    return this.declines.filter((d) => d.occurrenceAt >= since && d.occurrenceAt < until);
  }

  async hasLine(stationId: string, occurrenceId: string, _tx?: Tx): Promise<boolean> {
    return this.lined.has(`${stationId} ${occurrenceId}`);
  }

  async stations(ids: readonly string[]): Promise<SweptStation[]> {
    return this.stationRows.filter((s) => ids.includes(s.id));
  }

  async agentStates(ids: readonly string[]): Promise<StationAgentState[]> {
    return this.states.filter((s) => ids.includes(s.stationId));
  }
}
