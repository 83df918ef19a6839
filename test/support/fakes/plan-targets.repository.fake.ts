import { randomUUID } from 'node:crypto';
import type { UnitLink } from '../../../apps/server/src/access/access-policy';
import type { PlanTarget } from '../../../apps/server/src/plan-targets/plan-target.entity';
import { PlanTargetsRepository, type AiredLine, type NewPlanTargetRow, type ProgrammeFiling } from '../../../apps/server/src/plan-targets/plan-targets.repository';

/** Plan targets in memory; `calls` counts each read so specs can see how often compliance reads. */
export class FakePlanTargetsRepository extends PlanTargetsRepository {
  targets: PlanTarget[] = [];
  stationRows: { id: string; name: string; unitId: string }[] = [];
  unitRows: UnitLink[] = [];
  /** The latest revision of each airing's line, as the logbook holds them. */
  lines: AiredLine[] = [];
  programmes: ProgrammeFiling[] = [];
  calls: Record<string, number> = {};

  private called(name: string) {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  async insert(row: NewPlanTargetRow) {
    this.called('insert');
    const t = { ...row, id: randomUUID() };
    this.targets.push(t);
    return { ...t };
  }

  async get(id: string) {
    this.called('get');
    const t = this.targets.find((x) => x.id === id);
    return t ? { ...t } : null;
  }

  async update(id: string, change: Partial<Pick<PlanTarget, 'name' | 'minPerMonth'>>) {
    this.called('update');
    const t = this.targets.find((x) => x.id === id);
    if (t) Object.assign(t, change);
  }

  async all() {
    this.called('all');
    return [...this.targets].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((t) => ({ ...t }));
  }

  async stations() {
    this.called('stations');
    return this.stationRows.map((s) => ({ ...s }));
  }

  async units() {
    this.called('units');
    return this.unitRows.map((u) => ({ ...u }));
  }

  async airedLines(stationIds: readonly string[], from: string, to: string) {
    this.called('airedLines');
    return this.lines.filter((l) => stationIds.includes(l.stationId) && ['complete', 'partial'].includes(l.result) && l.plannedStart >= from && l.plannedStart < to).map((l) => ({ ...l }));
  }

  async filings(programmeIds: readonly string[]) {
    this.called('filings');
    return this.programmes.filter((p) => programmeIds.includes(p.id)).map((p) => ({ ...p }));
  }
}
