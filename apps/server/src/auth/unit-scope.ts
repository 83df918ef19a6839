import { Injectable } from '@nestjs/common';
import { LoaError } from '../common/errors';
import { ScheduleService } from '../schedule/schedule.service';
import { StationsService } from '../stations/stations.service';
import { UnitsService } from '../units/units.service';
import type { Principal, RouteScope } from './principal';

export const OUTSIDE_UNIT = 'Bạn chỉ làm việc được với các trạm thuộc đơn vị mình.';

/**
 * Confines users who belong to one unit (commune operators, see StationsService.unitScope) to the
 * stations, units and slots inside it. A name that matches nothing passes, so the route answers 404.
 */
@Injectable()
export class UnitScope {
  constructor(
    private readonly stations: StationsService,
    private readonly schedule: ScheduleService,
    private readonly units: UnitsService,
  ) {}

  async check(who: Principal, route: RouteScope | undefined, params: Record<string, unknown>, query: Record<string, unknown>): Promise<void> {
    const scope = await this.stations.unitScope(who);
    if (scope === undefined) return;
    await this.checkWithin(scope, route, params, query);
  }

  private async checkWithin(units: string[], route: RouteScope | undefined, params: Record<string, unknown>, query: Record<string, unknown>): Promise<void> {
    const stationIds: string[] = [];
    const asked = query['stationId'];
    if (typeof asked === 'string' && asked) stationIds.push(asked);
    const id = route ? params[route.param] : undefined;
    if (route && typeof id === 'string') {
      switch (route.kind) {
        case 'station':
          stationIds.push(id);
          break;
        case 'unit':
          if (!units.includes(id) && (await this.units.get(id).catch(notFoundAsNull))) throw new LoaError('forbidden', OUTSIDE_UNIT);
          break;
        case 'slot': {
          const slot = await this.schedule.describe(id).catch(notFoundAsNull);
          if (slot && !(await this.anyOwn(units, slot.stationIds))) throw new LoaError('forbidden', OUTSIDE_UNIT);
          break;
        }
      }
    }
    for (const stationId of stationIds) {
      const station = await this.stations.get(stationId).catch(notFoundAsNull);
      if (station && !units.includes(station.unitId)) throw new LoaError('forbidden', OUTSIDE_UNIT);
    }
  }

  /** The stations `who` may see, or undefined for all: to narrow lists that mix every commune's rows. */
  async visibleStations(who: Principal): Promise<Set<string> | undefined> {
    const scope = await this.stations.unitScope(who);
    if (scope === undefined) return undefined;
    return new Set(scope.length ? (await this.stations.list(scope)).map((s) => s.id) : []);
  }

  private async anyOwn(units: string[], stationIds: readonly string[]): Promise<boolean> {
    if (!units.length) return false;
    const own = new Set((await this.stations.list(units)).map((s) => s.id));
    return stationIds.some((id) => own.has(id));
  }
}

function notFoundAsNull(err: unknown): null {
  if (err instanceof LoaError && (err.code === 'not_found' || err.code === 'validation_failed')) return null;
  throw err;
}
