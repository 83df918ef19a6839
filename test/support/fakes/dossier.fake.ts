import type { DossierClosure } from '../../../apps/server/src/dossier/dossier-closure.entity';
import type { AiringCount, DossierRepository, DossierStation, StationScope } from '../../../apps/server/src/dossier/dossier.repository';
import type { LiveRelay } from '../../../apps/server/src/live/live-relay.entity';
import type { MediaAsset } from '../../../apps/server/src/media/media-asset.entity';
import type { Programme } from '../../../apps/server/src/programmes/programme.entity';
import type { ProgrammeVersion } from '../../../apps/server/src/programmes/programme-version.entity';
import type { PublicPart } from './fakes';

/** What a dossier reads, in memory: stations, units, aired lines, programmes, relays, assets, closings. */
export class InMemoryDossier implements PublicPart<DossierRepository> {
  readonly closings: DossierClosure[] = [];
  readonly lines: { stationId: string; programmeId: string; plannedStart: string; result: string; language?: string | null }[] = [];
  readonly versionRows: ProgrammeVersion[] = [];
  readonly programmeRows: Programme[] = [];
  readonly relayRows: LiveRelay[] = [];
  readonly assetRows: MediaAsset[] = [];

  constructor(
    readonly stationRows: DossierStation[],
    readonly unitIds: string[],
  ) {}

  async stations(scope: StationScope): Promise<DossierStation[]> {
    const rows = this.stationRows.filter((s) => scope === 'all' || ('stationId' in scope ? s.id === scope.stationId : scope.unitIds.includes(s.unitId)));
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }

  async unitExists(id: string): Promise<boolean> {
    return this.unitIds.includes(id);
  }

  async airings(stationIds: readonly string[], from: string, to: string, results: readonly string[]): Promise<AiringCount[]> {
    const counts = new Map<string, AiringCount>();
    for (const l of this.lines) {
      if (!stationIds.includes(l.stationId) || l.plannedStart < from || l.plannedStart >= to || !results.includes(l.result)) continue;
      const language = l.language ?? null;
      const key = `${l.programmeId}/${language}`;
      const row = counts.get(key) ?? { programmeId: l.programmeId, language, airings: 0 };
      row.airings += 1;
      counts.set(key, row);
    }
    return [...counts.values()];
  }

  async versions(programmeIds: readonly string[]): Promise<ProgrammeVersion[]> {
    return this.versionRows.filter((v) => programmeIds.includes(v.programmeId));
  }

  async programmes(ids: readonly string[]): Promise<Programme[]> {
    return this.programmeRows.filter((p) => ids.includes(p.id));
  }

  async relays(ids: readonly string[]): Promise<LiveRelay[]> {
    return this.relayRows.filter((r) => ids.includes(r.id));
  }

  async assets(ids: readonly string[]): Promise<MediaAsset[]> {
    return this.assetRows.filter((a) => ids.includes(a.id));
  }

  async closeAll(rows: readonly Omit<DossierClosure, 'id'>[]): Promise<DossierClosure[]> {
    const saved = rows.map((r, i) => ({ ...r, id: `closing-${this.closings.length + i + 1}` }));
    this.closings.push(...saved);
    return saved;
  }

  async closures(stationId: string | undefined, limit: number): Promise<DossierClosure[]> {
    return this.closings
      .filter((c) => !stationId || c.stationId === stationId)
      .sort((a, b) => b.closedAt.localeCompare(a.closedAt))
      .slice(0, limit);
  }
}
