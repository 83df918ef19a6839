import { applyOrders, priorityClashes, type OrderedAiring } from './airing-order';

const T = Date.parse('2027-03-01T23:00:00.000Z');
const at = (s: number) => new Date(T + s * 1000).toISOString();
const airing = (slotId: string, s: number, durationS: number, priority: OrderedAiring['priority'] = 'priority'): OrderedAiring => ({
  slotId,
  startAt: at(s),
  durationMs: durationS * 1000,
  priority,
  startMode: 'hard',
  occurrenceId: `${slotId}@${at(s)}`,
});

describe('a station’s chosen order of clashing priority airings', () => {
  it('puts the second after the first, as a yielding occurrence of its new instant', () => {
    const out = applyOrders([airing('a', 0, 60), airing('b', 10, 30)], [{ firstSlotId: 'b', firstAt: at(10), secondSlotId: 'a', secondAt: at(0) }]);
    expect(out.map((x) => [x.slotId, x.startAt, x.startMode, x.occurrenceId])).toEqual([
      ['b', at(10), 'hard', `b@${at(10)}`],
      ['a', at(40), 'soft', `a@${at(40)}`],
    ]);
  });

  it('follows a chain, and leaves alone orders whose airings are not both there', () => {
    const out = applyOrders(
      [airing('a', 0, 60), airing('b', 10, 30), airing('c', 20, 10)],
      [
        { firstSlotId: 'b', firstAt: at(10), secondSlotId: 'a', secondAt: at(0) },
        { firstSlotId: 'a', firstAt: at(0), secondSlotId: 'c', secondAt: at(20) },
        { firstSlotId: 'x', firstAt: at(0), secondSlotId: 'b', secondAt: at(10) },
      ],
    );
    expect(out.map((x) => [x.slotId, x.startAt])).toEqual([
      ['b', at(10)],
      ['a', at(40)],
      ['c', at(100)],
    ]);
  });

  it('a second that already starts after its first keeps its time but yields', () => {
    const out = applyOrders([airing('a', 0, 10), airing('b', 30, 10)], [{ firstSlotId: 'a', firstAt: at(0), secondSlotId: 'b', secondAt: at(30) }]);
    expect(out[1]).toMatchObject({ startAt: at(30), startMode: 'soft' });
  });

  it('finds the overlapping priority pairs only', () => {
    const pairs = priorityClashes([airing('a', 0, 60), airing('b', 10, 30), airing('c', 20, 10, 'normal'), airing('d', 60, 10), airing('e', 5, 5, 'emergency')]);
    expect(pairs.map(([x, y]) => [x.slotId, y.slotId])).toEqual([['a', 'b']]);
  });
});
