import { afterEach, describe, expect, it } from 'vitest';
import { isoToViDate, normaliseTime, viDateToIso } from './dates';
import { fmtDownloadLimits, fmtMs, fmtNumber, fmtPercent, fmtSeconds } from './format';
import { setLang } from './i18n';
import { fmtDateTime, fmtTime } from './time';

afterEach(() => setLang('vi'));

describe('numbers in Vietnamese', () => {
  it('groups thousands with a dot and writes decimals with a comma', () => {
    expect(fmtNumber(12345.67)).toBe('12.345,7');
    expect(fmtNumber(0)).toBe('0');
    expect(fmtNumber(null)).toBe('—');
    expect(fmtMs(-12.4)).toBe('-12');
    expect(fmtMs(1250)).toBe('1.250');
  });

  it('prints ratios as "100,0%" with one decimal, never "100.0%"', () => {
    expect(fmtPercent(1)).toBe('100,0%');
    expect(fmtPercent(0.8333)).toBe('83,3%');
    expect(fmtPercent(null)).toBe('—');
  });

  it('prints a time on air in seconds with a decimal comma', () => {
    expect(fmtSeconds(13_830)).toBe('13,8 giây');
    expect(fmtSeconds(null)).toBe('—');
  });
});

describe('times in Vietnam, 24-hour', () => {
  it('writes an instant as Vietnam wall-clock time with its day, month and year', () => {
    // 22:30 UTC on 4 December is 05:30 on 5 December in Vietnam.
    const text = fmtDateTime('2026-12-04T22:30:00.000Z');
    expect(text).toContain('05:30:00');
    expect(text).toContain('05/12/2026');
    expect(fmtTime('2026-12-05T10:05:09.000Z')).toBe('17:05:09');
    expect(fmtDateTime(null)).toBe('—');
  });
});

describe('dates and times as typed', () => {
  it('reads dd/mm/yyyy (and an ISO date pasted in) and refuses days that do not exist', () => {
    expect(viDateToIso('05/12/2026')).toBe('2026-12-05');
    expect(viDateToIso('5/1/2027')).toBe('2027-01-05');
    expect(viDateToIso('2026-12-05')).toBe('2026-12-05');
    expect(viDateToIso('31/02/2026')).toBeNull();
    expect(viDateToIso('12/31/2026')).toBeNull();
    expect(isoToViDate('2026-12-05')).toBe('05/12/2026');
    expect(isoToViDate('')).toBe('');
  });

  it('reads 24-hour times and refuses others', () => {
    expect(normaliseTime('7:05')).toBe('07:05');
    expect(normaliseTime('17h30')).toBe('17:30');
    expect(normaliseTime('17:30', true)).toBe('17:30:00');
    expect(normaliseTime('22:30:15', true)).toBe('22:30:15');
    expect(normaliseTime('24:00')).toBeNull();
    expect(normaliseTime('5:30 PM')).toBeNull();
  });
});

describe('a station\'s download limits', () => {
  it('says the cap, the window and what waits for it, and nothing for a station without limits', () => {
    expect(fmtDownloadLimits(undefined)).toBeNull();
    expect(fmtDownloadLimits({ capKbps: null, window: null, windowOpen: null, deferredFiles: 0, nextWindowAt: null })).toBeNull();
    expect(fmtDownloadLimits({ capKbps: 1500, window: null, windowOpen: null, deferredFiles: 0, nextWindowAt: null })).toBe('tối đa 1.500 kbit/s');
    expect(
      fmtDownloadLimits({ capKbps: 256, window: '22:00-05:00', windowOpen: false, deferredFiles: 2, nextWindowAt: '2026-12-04T15:00:00.000Z' }),
    ).toBe(`tối đa 256 kbit/s · chỉ tải trong 22:00-05:00 (ngoài khung giờ) · 2 tệp chờ đến ${fmtDateTime('2026-12-04T15:00:00.000Z')}`);
    expect(fmtDownloadLimits({ capKbps: null, window: '22:00-05:00', windowOpen: true, deferredFiles: 0, nextWindowAt: null })).toBe(
      'chỉ tải trong 22:00-05:00 (đang trong khung giờ)',
    );
  });
});
