import { formatLocal, parseAuthoredInstant } from './zoned-time';

describe('authored times', () => {
  it('reads a wall-clock time without offset in Asia/Ho_Chi_Minh (UTC+7)', () => {
    expect(new Date(parseAuthoredInstant('2026-11-24T05:30', 'Asia/Ho_Chi_Minh')!).toISOString()).toBe('2026-11-23T22:30:00.000Z');
  });

  it('takes an explicit offset or Z as written, whatever the zone', () => {
    expect(parseAuthoredInstant('2026-11-24T05:30:00.250+07:00', 'America/New_York')).toBe(Date.parse('2026-11-23T22:30:00.250Z'));
    expect(parseAuthoredInstant('2026-11-23T22:30:00Z', 'Asia/Ho_Chi_Minh')).toBe(Date.parse('2026-11-23T22:30:00Z'));
  });

  it('handles a zone with daylight saving on both sides of the change', () => {
    expect(new Date(parseAuthoredInstant('2026-07-01T12:00', 'America/New_York')!).toISOString()).toBe('2026-07-01T16:00:00.000Z');
    expect(new Date(parseAuthoredInstant('2026-12-01T12:00', 'America/New_York')!).toISOString()).toBe('2026-12-01T17:00:00.000Z');
  });

  it.each(['', '24/11/2026 05:30', '2026-02-30T05:30', '2026-11-24T25:00', '2026-11-24T05:30+15:00', 'tomorrow'])('refuses %j', (text) => {
    expect(parseAuthoredInstant(text, 'Asia/Ho_Chi_Minh')).toBeNull();
  });

  it('shows instants in Vietnamese day/month/year order in the local zone', () => {
    expect(formatLocal('2026-11-23T22:30:00.007Z', 'Asia/Ho_Chi_Minh', true)).toBe('24/11/2026 05:30:00.007');
  });
});
