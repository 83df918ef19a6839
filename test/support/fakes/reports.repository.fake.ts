import { ReportsRepository, type LatestLine } from '../../../apps/server/src/reports/reports.repository';

/** What the periodic report reads, in memory; `calls` counts each read. */
export class FakeReportsRepository extends ReportsRepository {
  stationRows: { id: string; name: string; unitId: string }[] = [];
  unitRows: { id: string; name: string; parentId: string | null }[] = [];
  /** Already the latest revision of each airing. */
  lines: LatestLine[] = [];
  programmeRows: { id: string; chuyenMuc: string; chuyenMucId: string | null }[] = [];
  calls: Record<string, number> = {};

  private called(name: string) {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  async stations(unitIds: readonly string[] | null, stationId?: string) {
    this.called('stations');
    return this.stationRows
      .filter((s) => (!unitIds || unitIds.includes(s.unitId)) && (!stationId || s.id === stationId))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => ({ ...s }));
  }

  async units() {
    this.called('units');
    return this.unitRows.map((u) => ({ ...u }));
  }

  async eachLatestLine(stationIds: readonly string[], from: string, to: string, visit: (line: LatestLine) => void) {
    this.called('eachLatestLine');
    for (const stationId of stationIds) {
      for (const l of this.lines.filter((x) => x.stationId === stationId && x.plannedStart >= from && x.plannedStart < to).sort((a, b) => a.plannedStart.localeCompare(b.plannedStart))) visit({ ...l });
    }
  }

  async programmes(ids: readonly string[]) {
    this.called('programmes');
    return this.programmeRows.filter((p) => ids.includes(p.id)).map((p) => ({ ...p }));
  }
}
