import { END_OF_TIME, isOccurrence, occurrencesBetween, RecurrenceError, seriesBounds, validateRecurrence, type Recurrence } from './recurrence';

const VN = 'Asia/Ho_Chi_Minh';
const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
/** A local wall time in Việt Nam (UTC+7) as the UTC instant it is. */
const vn = (wall: string) => new Date(Date.parse(`${wall}+07:00`)).toISOString();
const all = (rec: Recurrence, from = '2026-01-01T00:00:00Z', to = '2029-01-01T00:00:00Z') => iso(occurrencesBetween(rec, Date.parse(from), Date.parse(to)));

// Cases adapted from the examples of RFC 5545 §3.8.5.3, authored in Việt Nam's wall-clock time.
describe('recurrence in Asia/Ho_Chi_Minh, whatever the server time zone', () => {
  it('a one-off slot airs once, at its wall-clock time in the zone', () => {
    expect(all({ start: '2026-11-24T05:30', timeZone: VN, rule: null })).toEqual([vn('2026-11-24T05:30')]);
  });

  it('daily for 10 occurrences (COUNT), crossing a month end', () => {
    const got = all({ start: '2026-01-28T05:30', timeZone: VN, rule: 'FREQ=DAILY;COUNT=10' });
    expect(got).toHaveLength(10);
    expect(got[0]).toBe(vn('2026-01-28T05:30'));
    expect(got[4]).toBe(vn('2026-02-01T05:30'));
    expect(got[9]).toBe(vn('2026-02-06T05:30'));
  });

  it('an early-morning airing is on the previous UTC day; the rule counts local days', () => {
    expect(all({ start: '2026-03-02T05:30', timeZone: VN, rule: 'FREQ=DAILY;COUNT=2' })).toEqual(['2026-03-01T22:30:00.000Z', '2026-03-02T22:30:00.000Z']);
  });

  it('weekly on weekdays until a date (UNTIL in local time, inclusive)', () => {
    const got = all({ start: '2026-11-02T17:00', timeZone: VN, rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261113T170000' });
    expect(got).toEqual(
      ['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'].map((d) => vn(`2026-11-${d}T17:00`)),
    );
  });

  it('every other week on Tuesday and Thursday, 8 times', () => {
    const got = all({ start: '2026-09-01T06:00', timeZone: VN, rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=8' });
    expect(got).toEqual(['01', '03', '15', '17', '29'].map((d) => vn(`2026-09-${d}T06:00`)).concat(['01', '13', '15'].map((d) => vn(`2026-10-${d}T06:00`))));
  });

  it('monthly on the first Friday, 4 times', () => {
    expect(all({ start: '2026-09-04T16:30', timeZone: VN, rule: 'FREQ=MONTHLY;BYDAY=1FR;COUNT=4' })).toEqual(
      ['2026-09-04', '2026-10-02', '2026-11-06', '2026-12-04'].map((d) => vn(`${d}T16:30`)),
    );
  });

  it('monthly on the last weekday of the month (BYDAY=MO..FR;BYSETPOS=-1)', () => {
    expect(all({ start: '2026-01-30T16:30', timeZone: VN, rule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=6' })).toEqual(
      ['2026-01-30', '2026-02-27', '2026-03-31', '2026-04-30', '2026-05-29', '2026-06-30'].map((d) => vn(`${d}T16:30`)),
    );
  });

  it('monthly on the second-to-last Monday', () => {
    expect(all({ start: '2026-09-21T05:30', timeZone: VN, rule: 'FREQ=MONTHLY;BYDAY=-2MO;COUNT=3' })).toEqual(
      ['2026-09-21', '2026-10-19', '2026-11-23'].map((d) => vn(`${d}T05:30`)),
    );
  });

  it('monthly on the last day of the month, through a leap February', () => {
    expect(all({ start: '2027-12-31T17:00', timeZone: VN, rule: 'FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3' })).toEqual(
      ['2027-12-31', '2028-01-31', '2028-02-29'].map((d) => vn(`${d}T17:00`)),
    );
  });

  it('monthly on the 31st skips the months without one (RFC 5545: invalid dates are ignored)', () => {
    expect(all({ start: '2026-01-31T05:30', timeZone: VN, rule: 'FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4' })).toEqual(
      ['2026-01-31', '2026-03-31', '2026-05-31', '2026-07-31'].map((d) => vn(`${d}T05:30`)),
    );
  });

  it('yearly on 29 February airs only in leap years', () => {
    expect(all({ start: '2028-02-29T05:30', timeZone: VN, rule: 'FREQ=YEARLY;COUNT=2' }, '2028-01-01T00:00:00Z', '2037-01-01T00:00:00Z')).toEqual(
      ['2028-02-29', '2032-02-29'].map((d) => vn(`${d}T05:30`)),
    );
  });

  it('daily at 05:00 and 17:00 (BYHOUR), local hours whatever the server zone', () => {
    expect(all({ start: '2026-12-01T05:00', timeZone: VN, rule: 'FREQ=DAILY;BYHOUR=5,17;COUNT=4' })).toEqual(
      ['2026-12-01T05:00', '2026-12-01T17:00', '2026-12-02T05:00', '2026-12-02T17:00'].map(vn),
    );
  });

  it('BYHOUR without BYMINUTE keeps the start minute and second; the first day starts at the start', () => {
    expect(all({ start: '2026-12-01T11:30:15', timeZone: VN, rule: 'FREQ=DAILY;BYHOUR=5,17;COUNT=3' })).toEqual(
      ['2026-12-01T17:30:15', '2026-12-02T05:30:15', '2026-12-02T17:30:15'].map(vn),
    );
  });

  it('daily at 05:30 and 17:00: BYSETPOS picks two of the hour × minute combinations', () => {
    expect(all({ start: '2026-12-01T05:30', timeZone: VN, rule: 'FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3;COUNT=4' })).toEqual(
      ['2026-12-01T05:30', '2026-12-01T17:00', '2026-12-02T05:30', '2026-12-02T17:00'].map(vn),
    );
  });

  it('weekly on Monday and Friday at 05:30 and 17:00', () => {
    const got = all(
      { start: '2026-11-30T05:30', timeZone: VN, rule: 'FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3,6,7' },
      '2026-11-29T00:00:00Z',
      '2026-12-08T00:00:00Z',
    );
    expect(got).toEqual(['2026-11-30T05:30', '2026-11-30T17:00', '2026-12-04T05:30', '2026-12-04T17:00', '2026-12-07T05:30', '2026-12-07T17:00'].map(vn));
  });

  it('BYHOUR late in the evening stays on the local day (UTC is the previous/next day)', () => {
    expect(all({ start: '2026-12-31T06:00', timeZone: VN, rule: 'FREQ=DAILY;BYHOUR=6,23;COUNT=3' })).toEqual(
      ['2026-12-31T06:00', '2026-12-31T23:00', '2027-01-01T06:00'].map(vn),
    );
  });

  it('an endless rule with hours is bounded as any other; a finite one knows its last airing', () => {
    expect(seriesBounds({ start: '2026-12-01T05:00', timeZone: VN, rule: 'FREQ=DAILY;BYHOUR=5,17' }).last).toBe(END_OF_TIME);
    expect(seriesBounds({ start: '2026-12-01T05:00', timeZone: VN, rule: 'FREQ=DAILY;BYHOUR=5,17;UNTIL=20261203T235959' }).last).toBe(Date.parse(vn('2026-12-03T17:00')));
  });

  it('leaves out exception dates (EXDATE)', () => {
    const got = all({ start: '2026-11-02T17:00', timeZone: VN, rule: 'FREQ=DAILY;COUNT=5', exdates: ['2026-11-03T17:00', '2026-11-05T17:00'] });
    expect(got).toEqual(['02', '04', '06'].map((d) => vn(`2026-11-${d}T17:00`)));
  });

  it('answers only for the window asked, half-open', () => {
    const rec: Recurrence = { start: '2026-11-02T17:00', timeZone: VN, rule: 'FREQ=DAILY' };
    expect(iso(occurrencesBetween(rec, Date.parse(vn('2026-11-04T17:00')), Date.parse(vn('2026-11-06T17:00'))))).toEqual([vn('2026-11-04T17:00'), vn('2026-11-05T17:00')]);
  });

  it('keeps the wall-clock time across daylight saving in a zone that has it', () => {
    const ny = all({ start: '2026-03-07T09:00', timeZone: 'America/New_York', rule: 'FREQ=DAILY;COUNT=2' });
    expect(ny).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
  });

  it('knows its bounds: first and last airing, or no end', () => {
    expect(seriesBounds({ start: '2026-11-02T17:00', timeZone: VN, rule: 'FREQ=DAILY;COUNT=3' })).toEqual({
      first: Date.parse(vn('2026-11-02T17:00')),
      last: Date.parse(vn('2026-11-04T17:00')),
    });
    expect(seriesBounds({ start: '2026-11-02T17:00', timeZone: VN, rule: 'FREQ=WEEKLY' }).last).toBe(END_OF_TIME);
  });

  it('tells whether an instant is one of the airings', () => {
    const rec: Recurrence = { start: '2026-11-02T17:00', timeZone: VN, rule: 'FREQ=WEEKLY;BYDAY=MO' };
    expect(isOccurrence(rec, Date.parse(vn('2026-11-09T17:00')))).toBe(true);
    expect(isOccurrence(rec, Date.parse(vn('2026-11-10T17:00')))).toBe(false);
    expect(isOccurrence(rec, Date.parse(vn('2026-11-09T17:00')) + 1)).toBe(false);
  });

  it.each([
    'FREQ=DAILY;BYMONTHDAY=99',
    'FREQ=DAILY;INTERVAL=0',
    'FREQ=DAILY;INTERVAL=-1',
    'FREQ=MONTHLY;BYDAY=9XX',
    'FREQ=WEEKLY;BYDAY=XX',
    'FREQ=DAILY;COUNT=-5',
    'FREQ=DAILY;UNTIL=garbage',
    'FREQ=YEARLY;BYMONTH=13',
    'FREQ=DAILY;BYSETPOS=0',
    'FREQ=DAILY;BYYEARDAY=400',
    'FREQ=DAILY;COUNT=2;UNTIL=20270101',
    'FREQ=DAILY;FREQ=WEEKLY',
    ';;;',
    'FREQ=YEARLY;COUNT=50',
    'FREQ=DAILY;UNTIL=20990101',
    'FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2',
    'FREQ=YEARLY;BYMONTHDAY=30;BYMONTH=2',
    'FREQ=DAILY;BYMONTHDAY=31;BYMONTH=4',
    'FREQ=MONTHLY;BYDAY=6MO',
    'FREQ=WEEKLY;BYDAY=1MO',
    'FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1',
    'FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3',
    'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5',
    'FREQ=DAILY;BYHOUR=24',
    'FREQ=DAILY;BYMINUTE=60',
    'FREQ=DAILY;BYHOUR=-1',
    'FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSETPOS=5',
    'FREQ=DAILY;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25;BYHOUR=5,6',
    'FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,30;BYSECOND=0,1,2',
    'FREQ=DAILY;BYHOUR=0,2,4,6,8,10,12,14,16,18,20,22;UNTIL=20351231',
  ])('refuses %s at once: rules that rrule cannot expand, or that never or too long air', (rule) => {
    const started = Date.now();
    expect(() => validateRecurrence({ start: '2026-11-24T05:30', timeZone: VN, rule })).toThrow(RecurrenceError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('knows a series whose every airing is excepted has none', () => {
    expect(seriesBounds({ start: '2026-11-24T05:30', timeZone: VN, rule: 'FREQ=DAILY;COUNT=1', exdates: ['2026-11-24T05:30'] })).toEqual({ first: null, last: null });
  });

  it.each([
    ['a rule that is not RFC 5545', { rule: 'EVERY MONDAY' }, 'rule'],
    ['an hourly rule', { rule: 'FREQ=HOURLY' }, 'rule'],
    ['a DTSTART inside the rule', { rule: 'DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY' }, 'rule'],
    ['a start that is not a time', { start: '2026-02-30T05:30' }, 'start'],
    ['a bad exdate', { exdates: ['mai'] }, 'exdates'],
  ])('refuses %s', (_what, over, field) => {
    const rec = { start: '2026-11-02T17:00', timeZone: VN, rule: 'FREQ=DAILY', ...over } as Recurrence;
    expect(() => validateRecurrence(rec)).toThrow(RecurrenceError);
    try {
      validateRecurrence(rec);
    } catch (e) {
      expect((e as RecurrenceError).field).toBe(field);
    }
  });
});
