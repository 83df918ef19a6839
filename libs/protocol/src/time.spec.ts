import { fromInstant, isInstant, minutesOfDay, parseInstant, readDateTime, timeOfDayRange, toInstant } from './time';

describe('times of day and instants, one form for every app', () => {
  it('reads HH:MM as minutes after midnight and refuses anything else', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('21:30')).toBe(21 * 60 + 30);
    expect(minutesOfDay('23:59')).toBe(23 * 60 + 59);
    for (const bad of ['24:00', '7:30', '12:60', '12:3', ' 12:30', '12:30:00', '']) expect(minutesOfDay(bad)).toBeNull();
  });

  it('reads HH:MM-HH:MM as a span that may cross midnight', () => {
    expect(timeOfDayRange('22:00-05:00')).toEqual({ start: 22 * 60, end: 5 * 60 });
    expect(timeOfDayRange('08:15-17:45')).toEqual({ start: 8 * 60 + 15, end: 17 * 60 + 45 });
    for (const bad of ['22:00', '22:00-24:00', '22:00 - 05:00', '2200-0500']) expect(timeOfDayRange(bad)).toBeNull();
  });

  it('turns an instant into the wire form and back without loss', () => {
    const ms = Date.UTC(2026, 10, 24, 22, 30, 5, 123);
    expect(toInstant(ms)).toBe('2026-11-24T22:30:05.123Z');
    expect(fromInstant(toInstant(ms))).toBe(ms);
  });

  it('reads an instant from outside with any offset into the one UTC form', () => {
    expect(parseInstant('2026-11-25T05:30:00+07:00')).toBe('2026-11-24T22:30:00.000Z');
    expect(parseInstant('2026-11-25T05:30+07:00')).toBe('2026-11-24T22:30:00.000Z');
    expect(parseInstant('2026-11-24T22:30:05.1Z')).toBe('2026-11-24T22:30:05.100Z');
    expect(parseInstant('2026-11-24T22:30:05.123456Z')).toBe('2026-11-24T22:30:05.123Z');
    expect(parseInstant('2026-11-24T20:00:00-02:30')).toBe('2026-11-24T22:30:00.000Z');
    expect(parseInstant('2026-11-24T22:30:00.000Z')).toBe('2026-11-24T22:30:00.000Z');
  });

  it('refuses a text without a zone, a day or time that does not exist, or anything else', () => {
    for (const bad of ['2026-11-24T22:30:00', '2026-11-24', '2026-02-30T00:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24T22:60:00Z', '2026-11-24T22:30:00+15:00', '2026-11-24 22:30:00Z', 'yesterday', '1764023400000', ''])
      expect(parseInstant(bad)).toBeNull();
  });

  it('knows the one form from any other way of writing the same instant', () => {
    expect(isInstant('2026-11-24T22:30:00.000Z')).toBe(true);
    for (const other of ['2026-11-24T22:30:00Z', '2026-11-25T05:30:00.000+07:00', '2026-02-30T00:00:00.000Z']) expect(isInstant(other)).toBe(false);
  });

  it('tells a wall time from an instant and keeps the wall reading', () => {
    expect(readDateTime('2026-11-24T05:30')).toEqual({ wall: Date.UTC(2026, 10, 24, 5, 30), offsetMinutes: null, hasSeconds: false });
    expect(readDateTime('2026-11-24T05:30:07-01:15')).toEqual({ wall: Date.UTC(2026, 10, 24, 5, 30, 7), offsetMinutes: -75, hasSeconds: true });
  });
});
