import { randomUUID } from 'node:crypto';
import type { CapAlert, CapRule, CapSource } from '../../../apps/server/src/cap/cap.entity';
import type { CapRepository, NewCapAlert } from '../../../apps/server/src/cap/cap.repository';
import type { Unit } from '../../../apps/server/src/units/unit.entity';
import type { User } from '../../../apps/server/src/users/user.entity';
import type { PublicPart } from './fakes';

/** CAP sources, rules and alerts, with the users and units they name, in memory. */
export class InMemoryCapRepository implements PublicPart<CapRepository> {
  readonly sourceRows: CapSource[] = [];
  readonly ruleRows: CapRule[] = [];
  readonly alertRows: CapAlert[] = [];

  constructor(
    readonly userRows: User[] = [],
    readonly unitRows: Unit[] = [],
  ) {}

  async addSource(row: Omit<CapSource, 'id'>): Promise<CapSource> {
    const saved = { ...row, id: randomUUID() };
    this.sourceRows.push(saved);
    return { ...saved };
  }

  async sources(): Promise<CapSource[]> {
    return [...this.sourceRows];
  }

  async sourceByTokenHash(tokenHash: string): Promise<CapSource | null> {
    return this.sourceRows.find((s) => s.tokenHash === tokenHash) ?? null;
  }

  async deleteSource(id: string): Promise<boolean> {
    const at = this.sourceRows.findIndex((s) => s.id === id);
    if (at < 0) return false;
    this.sourceRows.splice(at, 1);
    return true;
  }

  async addRule(row: Omit<CapRule, 'id'>): Promise<CapRule> {
    const saved = { ...row, id: randomUUID() };
    this.ruleRows.push(saved);
    return { ...saved };
  }

  async rules(): Promise<CapRule[]> {
    return [...this.ruleRows];
  }

  async rule(id: string): Promise<CapRule | null> {
    return this.ruleRows.find((r) => r.id === id) ?? null;
  }

  async deleteRule(id: string): Promise<boolean> {
    const at = this.ruleRows.findIndex((r) => r.id === id);
    if (at < 0) return false;
    this.ruleRows.splice(at, 1);
    return true;
  }

  async alerts(limit: number): Promise<CapAlert[]> {
    return [...this.alertRows].reverse().slice(0, limit);
  }

  async alert(id: string): Promise<CapAlert | null> {
    const a = this.alertRows.find((x) => x.id === id);
    return a ? { ...a } : null;
  }

  async alertByKey(sender: string, identifier: string, sent: string): Promise<CapAlert | null> {
    const a = this.alertRows.find((x) => x.sender === sender && x.identifier === identifier && x.sent === sent);
    return a ? { ...a } : null;
  }

  async addAlert(row: NewCapAlert): Promise<CapAlert> {
    const saved = { ...row, id: randomUUID() };
    this.alertRows.push(saved);
    return { ...saved };
  }

  async updateAlert(id: string, change: Partial<NewCapAlert>): Promise<void> {
    const a = this.alertRows.find((x) => x.id === id);
    if (a) Object.assign(a, change);
  }

  async user(id: string): Promise<User | null> {
    return this.userRows.find((u) => u.id === id) ?? null;
  }

  async units(ids: readonly string[]): Promise<Unit[]> {
    return this.unitRows.filter((u) => ids.includes(u.id));
  }
}
