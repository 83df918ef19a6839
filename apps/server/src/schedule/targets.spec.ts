import { airingsOf, type OverrideRule, type SlotRule } from './expand';
import { resolveTargets, type TargetWorld } from './targets';

// province P → (district D →) communes C1, C2; a province without districts is the same tree, one level less.
const world: TargetWorld = {
  units: [
    { id: 'P', parentId: null },
    { id: 'D', parentId: 'P' },
    { id: 'C1', parentId: 'D' },
    { id: 'C2', parentId: 'P' },
  ],
  stations: [
    { id: 's-p', unitId: 'P' },
    { id: 's-c1', unitId: 'C1' },
    { id: 's-c2', unitId: 'C2' },
  ],
  groupMembers: [{ groupId: 'coast', stationId: 's-c2' }],
  clusters: [
    { id: 'k1', stationId: 's-c1' },
    { id: 'k2', stationId: 's-c1' },
  ],
};

describe('where a slot airs', () => {
  it('a unit means every station under it, at any depth, with or without a district level', () => {
    expect([...resolveTargets([{ kind: 'unit', refId: 'P' }], world).keys()].sort()).toEqual(['s-c1', 's-c2', 's-p']);
    expect([...resolveTargets([{ kind: 'unit', refId: 'D' }], world).keys()]).toEqual(['s-c1']);
  });

  it('a group means its members; clusters narrow a station to them unless the whole station is targeted too', () => {
    expect(resolveTargets([{ kind: 'group', refId: 'coast' }], world)).toEqual(new Map([['s-c2', null]]));
    expect(resolveTargets([{ kind: 'cluster', refId: 'k2' }, { kind: 'cluster', refId: 'k1' }], world)).toEqual(new Map([['s-c1', ['k1', 'k2']]]));
    expect(resolveTargets([{ kind: 'cluster', refId: 'k1' }, { kind: 'unit', refId: 'C1' }], world)).toEqual(new Map([['s-c1', null]]));
  });

  it('ignores what no longer exists', () => {
    expect(resolveTargets([{ kind: 'station', refId: 'gone' }, { kind: 'cluster', refId: 'gone' }], world).size).toBe(0);
  });
});

describe('single-airing edits', () => {
  const slot: SlotRule = { id: 's', startAt: '2026-11-23T22:30:00.000Z', localStart: '2026-11-24T05:30:00', timeZone: 'Asia/Ho_Chi_Minh', rule: 'FREQ=DAILY;COUNT=3', exdates: [] };
  const days = ['2026-11-23T22:30:00.000Z', '2026-11-24T22:30:00.000Z', '2026-11-25T22:30:00.000Z'];
  const all = (overrides: OverrideRule[], station: string) =>
    airingsOf(slot, overrides, station, Date.parse('2026-11-20T00:00:00Z'), Date.parse('2026-12-01T00:00:00Z')).map((t) => new Date(t).toISOString());

  it('cancels on one station only, or on all', () => {
    const one: OverrideRule = { slotId: 's', occurrenceAt: days[1], stationId: 'a', action: 'cancel', movedTo: null };
    expect(all([one], 'a')).toEqual([days[0], days[2]]);
    expect(all([one], 'b')).toEqual(days);
    expect(all([{ ...one, stationId: null }], 'b')).toEqual([days[0], days[2]]);
  });

  it('moves an airing to its new instant', () => {
    const move: OverrideRule = { slotId: 's', occurrenceAt: days[2], stationId: null, action: 'move', movedTo: '2026-11-26T10:00:00.000Z' };
    expect(all([move], 'a')).toEqual([days[0], days[1], '2026-11-26T10:00:00.000Z']);
  });

  it('reads a slot stored before recurrence existed from its start instant', () => {
    expect(airingsOf({ ...slot, localStart: null, rule: null }, [], 'a', 0, Date.parse('2027-01-01T00:00:00Z'))).toEqual([Date.parse(days[0])]);
  });
});
