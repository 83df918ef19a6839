import { randomUUID } from 'node:crypto';
import type { Role } from '../../../apps/server/src/auth/principal';
import type { CalendarToken } from '../../../apps/server/src/schedule/calendar-token.entity';
import { CalendarRepository } from '../../../apps/server/src/schedule/calendar.repository';
import type { Slot } from '../../../apps/server/src/schedule/slot.entity';

/** Calendar links and what feeds read, in memory. */
export class FakeCalendarRepository extends CalendarRepository {
  tokens: CalendarToken[] = [];
  users: { id: string; disabled: boolean; role: Role; unitId: string | null }[] = [];
  unitRows: { id: string; parentId: string | null }[] = [];
  stationRows: { id: string; name: string; unitId: string }[] = [];
  slotRows: Slot[] = [];
  programmeRows: { id: string; title: string; chuyenMuc: string }[] = [];

  async insert(row: Omit<CalendarToken, 'id'>) {
    const t = { ...row, id: randomUUID() };
    this.tokens.push(t);
    return { ...t };
  }

  async all() {
    return [...this.tokens].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((t) => ({ ...t }));
  }

  async get(id: string) {
    const t = this.tokens.find((x) => x.id === id);
    return t ? { ...t } : null;
  }

  async byHash(tokenHash: string) {
    const t = this.tokens.find((x) => x.tokenHash === tokenHash);
    return t ? { ...t } : null;
  }

  async revoke(id: string, at: string) {
    const t = this.tokens.find((x) => x.id === id);
    if (t) t.revokedAt = at;
  }

  async maker(userId: string) {
    const u = this.users.find((x) => x.id === userId);
    return u ? { ...u } : null;
  }

  async units() {
    return this.unitRows.map((u) => ({ ...u }));
  }

  async stationUnit(stationId: string) {
    return this.stationRows.find((s) => s.id === stationId)?.unitId;
  }

  async stationsInUnits(unitIds: readonly string[]) {
    return this.stationRows.filter((s) => unitIds.includes(s.unitId)).map((s) => s.id);
  }

  async stationNames(ids: readonly string[]) {
    return this.stationRows.filter((s) => ids.includes(s.id)).map((s) => ({ id: s.id, name: s.name }));
  }

  async slots(ids: readonly string[]) {
    return this.slotRows.filter((s) => ids.includes(s.id)).map((s) => ({ ...s }));
  }

  async programmes(ids: readonly string[]) {
    return this.programmeRows.filter((p) => ids.includes(p.id)).map((p) => ({ ...p }));
  }
}
