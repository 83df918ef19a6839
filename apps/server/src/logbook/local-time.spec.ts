import { formatLocal } from '../schedule/zoned-time';
import { LocalTime } from './local-time';

describe('local time of instants', () => {
  const vn = new LocalTime('Asia/Ho_Chi_Minh');

  it('reads an evening UTC instant as the next morning in Vietnam', () => {
    expect(vn.day('2026-03-14T22:30:00.000Z')).toBe('2026-03-15');
    expect(vn.dateTime('2026-03-14T22:30:00.123Z', true)).toBe('15/03/2026 05:30:00.123');
    expect(vn.year('2025-12-31T17:00:00.000Z')).toBe(2026);
  });

  it('agrees with the schedule formatter across a daylight-saving zone', () => {
    const paris = new LocalTime('Europe/Paris');
    for (const iso of ['2026-03-29T00:59:59.000Z', '2026-03-29T01:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']) {
      expect(paris.dateTime(iso)).toBe(formatLocal(iso, 'Europe/Paris'));
    }
  });

  it('reads a zone with a half-hour offset right, minutes included', () => {
    const kolkata = new LocalTime('Asia/Kolkata');
    expect(kolkata.dateTime('2026-03-14T18:45:10.000Z')).toBe('15/03/2026 00:15:10');
    expect(kolkata.dateTime('2026-03-14T18:45:10.000Z')).toBe(formatLocal('2026-03-14T18:45:10.000Z', 'Asia/Kolkata'));
  });

  it('gives the same answer for the stored text and the number of an instant', () => {
    for (const iso of ['2026-12-31T16:59:59.999Z', '2026-12-31T17:00:00.000Z', '2024-02-28T17:00:00.000Z']) {
      expect(vn.dateTime(iso, true)).toBe(vn.dateTime(Date.parse(iso), true));
    }
    expect(vn.date('2026-12-31T17:00:00.000Z')).toBe('01/01/2027');
  });

  it('finds the instant a local day starts', () => {
    expect(vn.startOfDay('2026-03-15')).toBe('2026-03-14T17:00:00.000Z');
  });
});
