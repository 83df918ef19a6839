import { randomUUID } from 'node:crypto';
import type { AiringRow, AlertFactsRepository, LineRow, StationRow } from '../../../apps/server/src/alerts/alert-facts.repository';
import type { AlertSubscription } from '../../../apps/server/src/alerts/alert.entity';
import type { AlertsRepository } from '../../../apps/server/src/alerts/alerts.repository';
import type { DeadAirEvent } from '../../../apps/server/src/playback/dead-air-event.entity';
import type { StationAgentState } from '../../../apps/server/src/stations/station-agent-state.entity';
import type { PublicPart } from './fakes';

const among = (ids: readonly string[] | undefined, id: string) => !ids || ids.includes(id);

/** Alert subscriptions and stored agent states, in memory: the part of the alerts table the console manages. */
export class InMemoryAlertSubscriptions implements Pick<PublicPart<AlertsRepository>, 'subscriptions' | 'subscription' | 'addSubscription' | 'removeSubscription' | 'agentState' | 'list'> {
  readonly rows: AlertSubscription[] = [];
  readonly states = new Map<string, StationAgentState>();

  async subscriptions(): Promise<AlertSubscription[]> {
    return [...this.rows].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async subscription(id: string): Promise<AlertSubscription | null> {
    return this.rows.find((s) => s.id === id) ?? null;
  }

  async addSubscription(row: Omit<AlertSubscription, 'id'>): Promise<AlertSubscription> {
    const saved = { ...row, id: randomUUID() } as AlertSubscription;
    this.rows.push(saved);
    return saved;
  }

  async removeSubscription(id: string): Promise<void> {
    this.rows.splice(0, this.rows.length, ...this.rows.filter((s) => s.id !== id));
  }

  async agentState(stationId: string): Promise<StationAgentState | null> {
    return this.states.get(stationId) ?? null;
  }

  async list(): Promise<never[]> {
    return [];
  }
}

/** What the alert rules read, in memory. */
export class InMemoryAlertFacts implements PublicPart<AlertFactsRepository> {
  readonly stationRows: StationRow[] = [];
  readonly states: StationAgentState[] = [];
  readonly deadAir: DeadAirEvent[] = [];
  readonly airingRows: AiringRow[] = [];
  readonly lineRows: (LineRow & { plannedStart: string })[] = [];

  async stations(ids?: readonly string[]): Promise<StationRow[]> {
    return this.stationRows.filter((s) => among(ids, s.id));
  }

  async agentStates(ids?: readonly string[]): Promise<StationAgentState[]> {
    return this.states.filter((s) => among(ids, s.stationId));
  }

  async openDeadAir(ids?: readonly string[]): Promise<DeadAirEvent[]> {
    return this.deadAir.filter((d) => d.clearedAt === null && among(ids, d.stationId));
  }

  async approvedAirings(since: string, until: string, ids?: readonly string[]): Promise<AiringRow[]> {
    return this.airingRows.filter((a) => a.startAt >= since && a.startAt <= until && among(ids, a.stationId));
  }

  async linesSince(since: string, ids?: readonly string[]): Promise<LineRow[]> {
    return this.lineRows.filter((l) => l.plannedStart >= since && among(ids, l.stationId)).sort((a, b) => a.revision - b.revision);
  }
}
