import { describe, expect, it } from 'vitest';
import { allChosen, formInWords, newSlotForm, slotTiming, timesOf, type SlotForm } from './slot-form';

const form = (over: Partial<SlotForm>): SlotForm => ({ ...newSlotForm('2026-11-30T05:30:00', 'p1'), ...over });

describe('the "Xếp lịch phát" dialog', () => {
  it('opens with no station chosen, and "Chọn tất cả" unticked', () => {
    const fresh = newSlotForm('2026-11-30T05:30:00');
    expect(fresh.stationIds).toEqual([]);
    expect(allChosen(fresh.stationIds, ['a', 'b', 'c'])).toBe(false);
    expect(allChosen(['c', 'a', 'b'], ['a', 'b', 'c'])).toBe(true);
    expect(allChosen([], [])).toBe(false);
  });

  it('once: the day and time, no rule', () => {
    expect(slotTiming(form({ moreTimes: ['17:00'] }))).toEqual({ localStart: '2026-11-30T05:30:00', rule: null });
  });

  it('"Hằng ngày vào các giờ 05:30 và 17:00" is one daily rule with both times', () => {
    const f = form({ repeat: 'daily', time: '17:00', moreTimes: ['05:30', '17:00', ''] });
    expect(timesOf(f)).toEqual(['05:30:00', '17:00:00']);
    // A time that is not one is left out, however the field wrote it.
    expect(timesOf(form({ repeat: 'daily', time: '17:00:30', moreTimes: ['5:30', '25:00', 'sáng'] }))).toEqual(['05:30:00', '17:00:30']);
    expect(slotTiming(f)).toEqual({ localStart: '2026-11-30T05:30:00', rule: 'FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3' });
    expect(formInWords(f, 'vi')).toBe('Hằng ngày lúc 05:30 và 17:00, từ ngày 30/11/2026');
  });

  it('"Hằng tuần vào các thứ … lúc các giờ …" starts on the first chosen weekday', () => {
    const f = form({ repeat: 'weekly', date: '2026-12-01', days: ['MO', 'FR'], moreTimes: ['16:30'], until: '2026-12-31' });
    expect(slotTiming(f)).toEqual({
      localStart: '2026-12-04T05:30:00',
      rule: 'FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=5,16;BYMINUTE=30;BYSECOND=0;UNTIL=20261231T235959',
    });
    expect(formInWords(f, 'vi')).toBe('Thứ Hai, Thứ Sáu lúc 05:30 và 16:30, từ ngày 04/12/2026, đến hết ngày 31/12/2026');
  });

  it('a weekly broadcast at one time stays the plain rule', () => {
    const f = form({ repeat: 'weekly', days: ['MO', 'WE', 'FR'] });
    expect(slotTiming(f)?.rule).toBe('FREQ=WEEKLY;BYDAY=MO,WE,FR');
    expect(formInWords(f, 'vi')).toBe('Thứ Hai, Thứ Tư, Thứ Sáu lúc 05:30, từ ngày 30/11/2026');
  });

  it('is incomplete without a weekday or a time', () => {
    expect(slotTiming(form({ repeat: 'weekly', days: [] }))).toBeNull();
    expect(slotTiming(form({ time: '' }))).toBeNull();
  });
});
