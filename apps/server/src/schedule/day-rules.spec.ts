import { applyHolidayRule, firstQuietBreach, holidayCalendar, inQuietHours, isWorkingDay, loadHolidayCalendar, outsideQuietHours, publicHolidays } from './day-rules';

const ZONE = 'Asia/Ho_Chi_Minh';
const H7 = 7 * 3600_000;
/** An instant at a wall-clock time in Việt Nam. */
const vn = (date: string, time: string) => Date.parse(`${date}T${time}:00Z`) - H7;
const day = (t: number) => new Date(t + H7).toISOString().slice(0, 10);
/** A daily 05:30 airing from `first` for `days` days. */
const daily = (first: string, days: number) => Array.from({ length: days }, (_, i) => vn(first, '05:30') + i * 86_400_000);

beforeAll(() => loadHolidayCalendar());

describe('Vietnam public holidays (date-holidays, lunar calendar)', () => {
  const of = (year: number) => new Map(publicHolidays(year).map((h) => [h.date, h.name]));

  it('puts Tết 2027 on 6 February, with the whole Tết break as days off', () => {
    const y2027 = of(2027);
    expect(y2027.get('2027-02-06')).toBe('Tết Nguyên Đán');
    for (const d of ['2027-02-05', '2027-02-07', '2027-02-08', '2027-02-09']) expect(y2027.has(d)).toBe(true);
    expect(y2027.has('2027-02-04')).toBe(false);
    expect(y2027.has('2027-02-10')).toBe(false);
  });

  it('follows the Vietnamese lunar calendar where the Chinese one differs (1985, 2007, 2030)', () => {
    expect(of(1985).get('1985-01-21')).toBe('Tết Nguyên Đán');
    expect(of(2007).get('2007-02-17')).toBe('Tết Nguyên Đán');
    expect(of(2030).get('2030-02-02')).toBe('Tết Nguyên Đán');
  });

  it('has 30/4, 1/5, 2/9 and the Hùng Kings day, and no mere observances', () => {
    const y2027 = of(2027);
    expect(y2027.get('2027-04-30')).toBe('Ngày Giải phóng miền Nam');
    expect(y2027.has('2027-05-01')).toBe(true);
    expect(y2027.get('2027-09-02')).toBe('Quốc khánh');
    expect(y2027.has('2027-04-16')).toBe(true);
    expect(y2027.has('2027-03-08')).toBe(false);
  });

  it('adds the days off the government declares, under their own name', () => {
    const cal = holidayCalendar([2027], [{ date: '2027-09-03', name: 'Nghỉ Quốc khánh (ngày thứ hai)' }]);
    expect(cal.get('2027-09-02')).toBe('Quốc khánh');
    expect(cal.get('2027-09-03')).toBe('Nghỉ Quốc khánh (ngày thứ hai)');
    expect(isWorkingDay('2027-09-03', cal)).toBe(false);
    expect(isWorkingDay('2027-09-06', cal)).toBe(true);
    expect(isWorkingDay('2027-09-04', cal)).toBe(false); // a Saturday
  });
});

describe('a recurring slot on holidays', () => {
  let cal: Map<string, string>;
  beforeAll(() => {
    cal = holidayCalendar([2027], []);
  });

  it('plays every day when set to play', () => {
    expect(applyHolidayRule(daily('2027-02-01', 14), 'play', ZONE, cal)).toHaveLength(14);
  });

  it('skips Tết 2027 (5–9 February) when set to skip, and nothing else', () => {
    const kept = applyHolidayRule(daily('2027-02-01', 14), 'skip', ZONE, cal).map(day);
    expect(kept).not.toContain('2027-02-06');
    expect(kept).toEqual(['2027-02-01', '2027-02-02', '2027-02-03', '2027-02-04', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13', '2027-02-14']);
  });

  it('moves a weekly airing off a holiday to the next working day, at the same time of day', () => {
    // Fridays 05:30: 30/4/2027 is a Friday, 1/5 a holiday, then the weekend: Monday 3/5.
    const fridays = [vn('2027-04-23', '05:30'), vn('2027-04-30', '05:30'), vn('2027-05-07', '05:30')];
    expect(applyHolidayRule(fridays, 'move', ZONE, cal)).toEqual([vn('2027-04-23', '05:30'), vn('2027-05-03', '05:30'), vn('2027-05-07', '05:30')]);
  });

  it('moves past a declared day off as well', () => {
    const withDeclared = holidayCalendar([2027], [{ date: '2027-02-10', name: 'Nghỉ bù Tết' }]);
    expect(applyHolidayRule([vn('2027-02-06', '05:30')], 'move', ZONE, withDeclared)).toEqual([vn('2027-02-11', '05:30')]);
    expect(applyHolidayRule([vn('2027-02-10', '05:30')], 'skip', ZONE, withDeclared)).toEqual([]);
  });
});

describe('quiet hours', () => {
  const night = { start: '21:00', end: '06:00' };
  const ten = 10 * 60_000;

  it('catches an airing that starts in them, or runs into them, across midnight', () => {
    expect(inQuietHours(vn('2027-03-01', '05:30'), ten, night, ZONE)).toBe(true);
    expect(inQuietHours(vn('2027-03-01', '05:55'), ten, night, ZONE)).toBe(true);
    expect(inQuietHours(vn('2027-03-01', '20:55'), ten, night, ZONE)).toBe(true);
    expect(inQuietHours(vn('2027-03-01', '23:59'), ten, night, ZONE)).toBe(true);
    expect(inQuietHours(vn('2027-03-01', '06:00'), ten, night, ZONE)).toBe(false);
    expect(inQuietHours(vn('2027-03-01', '12:00'), ten, night, ZONE)).toBe(false);
    expect(inQuietHours(vn('2027-03-01', '20:50'), ten, night, ZONE)).toBe(false);
  });

  it('works for quiet hours within one day', () => {
    const noon = { start: '11:30', end: '13:30' };
    expect(inQuietHours(vn('2027-03-01', '12:00'), ten, noon, ZONE)).toBe(true);
    expect(inQuietHours(vn('2027-03-01', '13:30'), ten, noon, ZONE)).toBe(false);
    expect(inQuietHours(vn('2027-03-01', '11:25'), ten, noon, ZONE)).toBe(true);
  });

  it('lets only khẩn cấp through', () => {
    const airings = [vn('2027-03-01', '05:30'), vn('2027-03-01', '07:00')];
    expect(outsideQuietHours(airings, ten, 'normal', night, ZONE)).toEqual([airings[1]]);
    expect(outsideQuietHours(airings, ten, 'priority', night, ZONE)).toEqual([airings[1]]);
    expect(outsideQuietHours(airings, ten, 'emergency', night, ZONE)).toEqual(airings);
    expect(outsideQuietHours(airings, ten, 'normal', undefined, ZONE)).toEqual(airings);
    expect(firstQuietBreach(airings, ten, 'normal', [{ id: 's', quiet: night }], ZONE)).toEqual({ stationId: 's', at: airings[0], quiet: night });
    expect(firstQuietBreach(airings, ten, 'emergency', [{ id: 's', quiet: night }], ZONE)).toBeNull();
  });
});
