import { LoaError } from '../common/errors';
import { admin, approver, editor, operatorA, operatorB, PROGRAMME_MS, scheduleFixture } from '../../../../test/support/fakes/schedule-fixture';

async function refusal(work: Promise<unknown>): Promise<LoaError> {
  const e = await work.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof LoaError)) throw new Error(`expected a LoaError, got ${String(e)}`);
  return e;
}

describe('ScheduleAuthoring on an in-memory store', () => {
  it('an admin’s slot is approved at once: its airings reach the look-ahead of every targeted station and the change is announced', async () => {
    const f = scheduleFixture();
    const slot = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', rule: 'FREQ=DAILY;COUNT=3', unitIds: ['commune-a'] }, admin);
    expect(slot.status).toBe('approved');
    expect(slot.stationIds.sort()).toEqual(['st-a1', 'st-a2']);
    expect(slot.durationMs).toBe(PROGRAMME_MS);
    expect(slot.history.map((h) => h.action)).toEqual(['created', 'submitted', 'approved']);
    expect(f.store.t.airings.filter((a) => a.stationId === 'st-a1').map((a) => a.startAt)).toEqual([
      '2026-06-01T22:00:00.000Z',
      '2026-06-02T22:00:00.000Z',
      '2026-06-03T22:00:00.000Z',
    ]);
    expect(f.store.t.airings.some((a) => a.stationId === 'st-b1')).toBe(false);
    expect(f.emitted).toEqual([{ type: 'schedule.changed', stationIds: expect.arrayContaining(['st-a1', 'st-a2']) }]);
    expect(f.store.t.stations.find((s) => s.id === 'st-a1')!.scheduleVersion).toBe(2);
  });

  it('an editor’s slot waits for approval off the air; an approver’s approval puts it on the air, a rejection keeps the reason', async () => {
    const f = scheduleFixture();
    const slot = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'] }, editor);
    expect(slot.status).toBe('submitted');
    expect(f.store.t.airings).toEqual([]);
    expect((await refusal(f.authoring.approve(slot.id, editor))).code).toBe('forbidden');
    const approved = await f.authoring.approve(slot.id, approver);
    expect(approved.status).toBe('approved');
    expect(f.store.t.airings.map((a) => a.stationId)).toEqual(['st-a1']);

    const other = await f.authoring.create({ programmeId: 'music', startAt: '2026-06-03T05:00:00+07:00', stationIds: ['st-a2'] }, editor);
    const rejected = await f.authoring.reject(other.id, approver, 'Trùng nội dung');
    expect(rejected).toMatchObject({ status: 'rejected', rejectionReason: 'Trùng nội dung' });
    expect((await refusal(f.authoring.reject(other.id, approver, 'lần nữa'))).code).toBe('invalid_state');
  });

  it('refuses a clash on a shared station with 409 naming the other slot, and stores nothing', async () => {
    const f = scheduleFixture();
    const first = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', rule: 'FREQ=DAILY;COUNT=5', unitIds: ['province'] }, admin);
    const slots = f.store.t.slots.length;
    const actions = f.store.t.actions.length;
    const e = await refusal(f.authoring.create({ programmeId: 'music', startAt: '2026-06-04T05:05:00+07:00', groupIds: ['group-ab'] }, admin));
    expect(e.code).toBe('conflict');
    const clashes = (e.details as { clashes: { stationId: string; stationName: string; slotId: string; title: string }[] }).clashes;
    expect(clashes.map((c) => c.stationId).sort()).toEqual(['st-a2', 'st-b1']);
    expect(clashes[0]).toMatchObject({ slotId: first.id, title: 'Bản tin sáng' });
    expect(f.store.t.slots.length).toBe(slots);
    expect(f.store.t.actions.length).toBe(actions);
    // A soft start is something the rules can order.
    expect((await f.authoring.create({ programmeId: 'music', startAt: '2026-06-04T05:05:00+07:00', groupIds: ['group-ab'], startMode: 'soft' }, admin)).status).toBe('approved');
  });

  it('checks a new or changed slot against the airings where the station’s chosen order put them', async () => {
    const f = scheduleFixture();
    // Two priority items clash on st-a1 (05:00–05:10 and 05:05–05:15); the commune plays the 05:00 one first, so the other waits until 05:10–05:20.
    const first = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'], priority: 'priority' }, admin);
    const second = await f.authoring.create({ programmeId: 'music', startAt: '2026-06-02T05:05:00+07:00', stationIds: ['st-a1'], priority: 'priority', startMode: 'soft' }, admin);
    f.store.t.orders.push({ id: 'order-1', stationId: 'st-a1', firstSlotId: first.id, firstAt: '2026-06-01T22:00:00.000Z', secondSlotId: second.id, secondAt: '2026-06-01T22:05:00.000Z', createdBy: 'u-op-a', createdAt: '2026-06-01T00:00:00.000Z' });
    const slots = f.store.t.slots.length;

    // 05:16 misses the unmoved airing (it ended at 05:15) but not the moved one (until 05:20).
    const e = await refusal(f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:16:00+07:00', stationIds: ['st-a1'], priority: 'priority' }, admin));
    expect(e.code).toBe('conflict');
    expect((e.details as { clashes: unknown[] }).clashes).toEqual([
      expect.objectContaining({ stationId: 'st-a1', slotId: second.id, startAt: '2026-06-01T22:10:00.000Z', endAt: '2026-06-01T22:20:00.000Z' }),
    ]);
    expect(f.store.t.slots.length).toBe(slots);

    // A slot moved into the moved airing's way is refused the same way; one after it is not.
    const later = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:20:00+07:00', stationIds: ['st-a1'], priority: 'priority' }, admin);
    expect(later.status).toBe('approved');
    expect((await refusal(f.authoring.update(later.id, { startAt: '2026-06-02T05:18:00+07:00' }, admin))).code).toBe('conflict');
    // On a station without the order the same times are free.
    expect((await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:16:00+07:00', stationIds: ['st-b1'], priority: 'priority' }, admin)).status).toBe('approved');
  });

  it('refuses bad times, missing or unknown targets and a programme the author may not see, before storing anything', async () => {
    const f = scheduleFixture();
    expect((await refusal(f.authoring.create({ programmeId: 'news', startAt: '2026-05-31T05:00:00+07:00', stationIds: ['st-a1'] }, admin))).code).toBe('slot_in_past');
    expect((await refusal(f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00', timeZone: 'Mars/Olympus', stationIds: ['st-a1'] }, admin))).details).toEqual({ field: 'timeZone' });
    expect((await refusal(f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00' }, admin))).details).toEqual({ field: 'targets' });
    expect((await refusal(f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1', 'nowhere'] }, admin))).code).toBe('not_found');
    expect((await refusal(f.authoring.create({ programmeId: 'ghost', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'] }, admin))).code).toBe('not_found');
    f.store.t.programmes[0].createdBy = 'someone-elsewhere';
    f.hidden.add('someone-elsewhere');
    expect((await refusal(f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'] }, editor))).code).toBe('not_found');
    expect(f.store.t.slots).toEqual([]);
  });

  it('a commune operator schedules and approves its own station’s local programme, and nothing on another commune’s', async () => {
    const f = scheduleFixture();
    const own = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'] }, operatorA);
    expect(own).toMatchObject({ status: 'approved', source: 'local' });
    expect((await refusal(f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T06:00:00+07:00', stationIds: ['st-b1'] }, operatorA))).code).toBe('forbidden');
    expect((await refusal(f.authoring.cancel(own.id, operatorB))).code).toBe('forbidden');
    const cancelled = await f.authoring.cancel(own.id, operatorA);
    expect(cancelled.status).toBe('cancelled');
    expect(f.store.t.airings).toEqual([]);
    // Cancelling twice changes nothing more.
    expect((await f.authoring.cancel(own.id, operatorA)).history.filter((h) => h.action === 'cancelled')).toHaveLength(1);
  });

  it('an editor’s change to an approved slot takes it off the air until approved again', async () => {
    const f = scheduleFixture();
    const slot = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'] }, admin);
    expect(f.store.t.airings).toHaveLength(1);
    const changed = await f.authoring.update(slot.id, { startAt: '2026-06-02T06:00:00+07:00' }, editor);
    expect(changed).toMatchObject({ status: 'submitted', startAt: '2026-06-01T23:00:00.000Z' });
    expect(changed.history.map((h) => h.action).slice(-2)).toEqual(['updated', 'submitted']);
    expect(f.store.t.airings).toEqual([]);
    await f.authoring.approve(slot.id, approver);
    expect(f.store.t.airings.map((a) => a.startAt)).toEqual(['2026-06-01T23:00:00.000Z']);
  });

  it('one airing is declined on one station and moved on another; the rest of the slot stays', async () => {
    const f = scheduleFixture();
    const slot = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', rule: 'FREQ=DAILY;COUNT=2', unitIds: ['commune-a'] }, admin);
    await f.authoring.editAiring(slot.id, { occurrenceAt: '2026-06-01T22:00:00.000Z', action: 'cancel', stationId: 'st-a1' }, operatorA);
    expect(f.store.t.airings.filter((a) => a.stationId === 'st-a1').map((a) => a.startAt)).toEqual(['2026-06-02T22:00:00.000Z']);
    expect(f.store.t.airings.filter((a) => a.stationId === 'st-a2')).toHaveLength(2);
    const moved = await f.authoring.editAiring(slot.id, { occurrenceAt: '2026-06-02T22:00:00.000Z', action: 'move', moveTo: '2026-06-03T09:00:00+07:00', stationId: 'st-a2' }, admin);
    expect(moved.overrides).toHaveLength(2);
    expect(f.store.t.airings.filter((a) => a.stationId === 'st-a2').map((a) => a.startAt).sort()).toEqual(['2026-06-01T22:00:00.000Z', '2026-06-03T02:00:00.000Z']);
    expect((await refusal(f.authoring.editAiring(slot.id, { occurrenceAt: '2026-06-05T22:00:00.000Z', action: 'cancel' }, admin))).code).toBe('not_found');
    // An operator may not decline for every station at once.
    expect((await refusal(f.authoring.editAiring(slot.id, { occurrenceAt: '2026-06-02T22:00:00.000Z', action: 'cancel' }, operatorA))).code).toBe('forbidden');
  });
});
