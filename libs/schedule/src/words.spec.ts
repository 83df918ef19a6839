import { describeRecurrence, timesOfDay } from './words';

describe('a recurrence in plain words, with its airing times', () => {
  it.each([
    ['a one-off airing', { start: '2026-11-24T05:30', rule: null }, 'Một lần, lúc 05:30 ngày 24/11/2026'],
    ['daily, seven times (the rule the detail dialog showed raw)', { start: '2026-12-01T05:30', rule: 'FREQ=DAILY;COUNT=7' }, 'Hằng ngày lúc 05:30, từ ngày 01/12/2026, 7 lần'],
    ['daily at two hours', { start: '2026-12-01T05:00', rule: 'FREQ=DAILY;BYHOUR=5,17' }, 'Hằng ngày lúc 05:00 và 17:00, từ ngày 01/12/2026'],
    [
      'daily at 05:30 and 17:00 (BYSETPOS)',
      { start: '2026-12-01T05:30', rule: 'FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3' },
      'Hằng ngày lúc 05:30 và 17:00, từ ngày 01/12/2026',
    ],
    ['weekly on three days', { start: '2026-11-30T05:30:00', rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR' }, 'Thứ Hai, Thứ Tư, Thứ Sáu lúc 05:30, từ ngày 30/11/2026'],
    [
      'weekly on two days at two times until a day',
      { start: '2026-11-30T05:30', rule: 'FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3,6,7;UNTIL=20261231T235959' },
      'Thứ Hai, Thứ Sáu lúc 05:30 và 17:00, từ ngày 30/11/2026, đến hết ngày 31/12/2026',
    ],
    ['every other week', { start: '2026-09-01T06:00', rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=8' }, 'Cứ 2 tuần một lần vào Thứ Ba, Thứ Năm lúc 06:00, từ ngày 01/09/2026, 8 lần'],
    ['every weekday of the week is every day', { start: '2026-11-30T17:00', rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU' }, 'Hằng ngày lúc 17:00, từ ngày 30/11/2026'],
    ['monthly on the first Friday', { start: '2026-09-04T16:30', rule: 'FREQ=MONTHLY;BYDAY=1FR;COUNT=4' }, 'Hằng tháng vào Thứ Sáu đầu tiên lúc 16:30, từ ngày 04/09/2026, 4 lần'],
    ['monthly on the last day', { start: '2027-12-31T17:00', rule: 'FREQ=MONTHLY;BYMONTHDAY=-1' }, 'Hằng tháng vào ngày cuối tháng lúc 17:00, từ ngày 31/12/2027'],
    ['monthly on the 15th, from the start', { start: '2026-12-15T05:30:20', rule: 'FREQ=MONTHLY' }, 'Hằng tháng vào ngày 15 lúc 05:30:20, từ ngày 15/12/2026'],
    [
      'monthly on the last weekday',
      { start: '2026-01-30T16:30', rule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1' },
      'Hằng tháng vào ngày cuối cùng trong các ngày Thứ Hai, Thứ Ba, Thứ Tư, Thứ Năm, Thứ Sáu lúc 16:30, từ ngày 30/01/2026',
    ],
    ['yearly', { start: '2027-02-03T07:00', rule: 'FREQ=YEARLY' }, 'Hằng năm vào ngày 03/02 lúc 07:00, từ ngày 03/02/2027'],
    ['with left-out airings', { start: '2026-11-02T17:00', rule: 'FREQ=DAILY;COUNT=5', exdates: ['2026-11-03T17:00'] }, 'Hằng ngày lúc 17:00, từ ngày 02/11/2026, 5 lần, bỏ 1 buổi'],
  ])('%s', (_what, rec, words) => {
    expect(describeRecurrence(rec)).toBe(words);
  });

  it('never shows a bare rule without its time, even for one it has no words for', () => {
    const text = describeRecurrence({ start: '2026-12-01T05:30', rule: 'FREQ=YEARLY;BYMONTH=3,9' });
    expect(text).toContain('05:30');
    expect(text).not.toMatch(/^Lặp lại/);
  });

  it('speaks English too', () => {
    expect(describeRecurrence({ start: '2026-12-01T05:00', rule: 'FREQ=DAILY;BYHOUR=5,17;COUNT=6' }, 'en')).toBe('Every day at 05:00 and 17:00, from 01/12/2026, 6 times');
  });

  it('reads the times of day a rule airs at, in order', () => {
    expect(timesOfDay('2026-12-01T05:30', 'FREQ=DAILY;BYHOUR=17,5;BYMINUTE=30,0;BYSECOND=0;BYSETPOS=-2,2')).toEqual([
      { h: 5, m: 30, s: 0 },
      { h: 17, m: 0, s: 0 },
    ]);
  });
});
