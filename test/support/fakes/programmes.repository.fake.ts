import { randomUUID } from 'node:crypto';
import type { ChuyenMuc, Topic } from '../../../apps/server/src/programmes/chuyen-muc.entity';
import { ChuyenMucRepository } from '../../../apps/server/src/programmes/chuyen-muc.repository';
import type { Programme } from '../../../apps/server/src/programmes/programme.entity';
import type { ProgrammeVersion } from '../../../apps/server/src/programmes/programme-version.entity';
import { ProgrammesRepository, type NewProgrammeRow, type NewVersionRow } from '../../../apps/server/src/programmes/programmes.repository';

/** Programmes in memory. */
export class FakeProgrammesRepository extends ProgrammesRepository {
  rows: Programme[] = [];

  async insert(row: NewProgrammeRow) {
    const p = { ...row, id: randomUUID() };
    this.rows.push(p);
    return { ...p };
  }

  async get(id: string) {
    const p = this.rows.find((x) => x.id === id);
    return p ? { ...p } : null;
  }

  async all() {
    return [...this.rows].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((p) => ({ ...p }));
  }

  versions: ProgrammeVersion[] = [];
  /** Which stations air each programme from when on, as the look-ahead would hold it. */
  airings: { programmeId: string; stationId: string; startAt: string }[] = [];
  /** Stations whose schedule version was raised, in order. */
  raised: string[] = [];

  async versionsOf(programmeIds: readonly string[]) {
    return this.versions.filter((v) => programmeIds.includes(v.programmeId)).sort((a, b) => a.language.localeCompare(b.language)).map((v) => ({ ...v }));
  }

  async insertVersion(row: NewVersionRow) {
    if (this.versions.some((v) => v.programmeId === row.programmeId && v.language === row.language)) throw new Error('UNIQUE constraint failed: programme_version');
    const v = { ...row, id: randomUUID() };
    this.versions.push(v);
    return { ...v };
  }

  async deleteVersion(programmeId: string, language: string) {
    const before = this.versions.length;
    this.versions = this.versions.filter((v) => !(v.programmeId === programmeId && v.language === language));
    return this.versions.length < before;
  }

  async republishAirings(programmeId: string, from: string) {
    const ids = [...new Set(this.airings.filter((a) => a.programmeId === programmeId && a.startAt >= from).map((a) => a.stationId))];
    this.raised.push(...ids);
    return ids;
  }

  async setPublic(id: string, isPublic: boolean) {
    const p = this.rows.find((x) => x.id === id);
    if (p) p.public = isPublic;
  }
}

/** Chuyên mục and topics in memory. */
export class FakeChuyenMucRepository extends ChuyenMucRepository {
  rows: ChuyenMuc[] = [];
  topicRows: Topic[] = [];

  async get(id: string) {
    return this.copy(this.rows.find((c) => c.id === id));
  }

  async byName(name: string) {
    return this.copy(this.rows.find((c) => c.name === name));
  }

  async byCode(code: string) {
    return this.copy(this.rows.find((c) => c.code === code));
  }

  async insert(row: Omit<ChuyenMuc, 'id'>) {
    const c = { ...row, id: randomUUID() };
    this.rows.push(c);
    return { ...c };
  }

  async setDeadAir(id: string, deadAirSeconds: number | null) {
    const c = this.rows.find((x) => x.id === id);
    if (c) c.deadAirSeconds = deadAirSeconds;
  }

  async rename(id: string, name: string) {
    const c = this.rows.find((x) => x.id === id);
    if (c) c.name = name;
  }

  async retire(id: string, at: string) {
    const c = this.rows.find((x) => x.id === id);
    if (c) c.retiredAt = at;
  }

  async renameTopic(id: string, name: string) {
    const t = this.topicRows.find((x) => x.id === id);
    if (t) t.name = name;
  }

  async retireTopic(id: string, at: string) {
    const t = this.topicRows.find((x) => x.id === id);
    if (t) t.retiredAt = at;
  }

  async all() {
    return [...this.rows].sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({ ...c }));
  }

  async topic(id: string) {
    const t = this.topicRows.find((x) => x.id === id);
    return t ? { ...t } : null;
  }

  async topicNamed(chuyenMucId: string, name: string) {
    const t = this.topicRows.find((x) => x.chuyenMucId === chuyenMucId && x.name === name);
    return t ? { ...t } : null;
  }

  async insertTopic(row: Omit<Topic, 'id'>) {
    const t = { ...row, id: randomUUID() };
    this.topicRows.push(t);
    return { ...t };
  }

  async topics() {
    return [...this.topicRows].sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({ ...t }));
  }

  private copy(c: ChuyenMuc | undefined) {
    return c ? { ...c } : null;
  }
}
