import { randomUUID } from 'node:crypto';
import type { PlaybackEvent } from '@loa/protocol';
import { FailureReason } from '@loa/protocol';
import { REASON_LABELS, reasonText, RESULT_LABELS, resultOf } from './logbook-rules';

const base: PlaybackEvent = { id: randomUUID(), kind: 'finished', occurrenceId: 'o', slotId: 's', plannedAt: '2026-11-24T22:30:00.000Z' };

describe('logbook result of an agent event', () => {
  it('a start alone writes no line', () => expect(resultOf({ ...base, kind: 'started' }, 60_000)).toBeNull());
  it('played to the end is "phát đủ"', () => expect(resultOf({ ...base, playedMs: 59_500 }, 60_000)).toBe('complete'));
  it('stopped short is "phát không đủ"', () => expect(resultOf({ ...base, playedMs: 30_000 }, 60_000)).toBe('partial'));
  it('missed is "không phát"', () => expect(resultOf({ ...base, kind: 'failed', reason: 'missed' }, 60_000)).toBe('missed'));
  it('declined at the station is "không phát"', () => expect(resultOf({ ...base, kind: 'failed', reason: 'declined' }, 60_000)).toBe('missed'));
  it('interrupted after starting is partial', () =>
    expect(resultOf({ ...base, kind: 'failed', reason: 'interrupted', startedAt: base.plannedAt }, 60_000)).toBe('partial'));
  it('a device error is "lỗi"', () => expect(resultOf({ ...base, kind: 'failed', reason: 'player_error' }, 60_000)).toBe('failed'));
  it('cut by an emergency is "bị ngắt bởi khẩn cấp"', () => {
    const result = resultOf({ ...base, kind: 'failed', reason: 'preempted', startedAt: base.plannedAt }, 60_000);
    expect(result).toBe('interrupted');
    expect(RESULT_LABELS[result!]).toBe('Bị ngắt bởi khẩn cấp');
  });
});

describe('reason text', () => {
  it('has a Vietnamese sentence for every failure reason the protocol knows', () => {
    for (const reason of FailureReason.options) expect(REASON_LABELS[reason]).toMatch(/\p{L}/u);
  });
  it('adds the detail in brackets, and keeps an unknown code as it is', () => {
    expect(reasonText('media_missing', 'abc.mp3')).toBe('Thiếu tệp âm thanh hoặc tệp hỏng (abc.mp3)');
    expect(reasonText(null, null)).toBe('');
    expect(reasonText('other', null)).toBe('other');
  });
});

describe('reason text of a programme an emergency cut', () => {
  it('says "Bị ngắt bởi" once: the agent\'s detail that restates the label stands alone', () => {
    const text = reasonText('preempted', 'Bị ngắt bởi phát trực tiếp: "Khẩn cấp: bão số 9 đổ bộ".');
    expect(text).toBe('Bị ngắt bởi phát trực tiếp: "Khẩn cấp: bão số 9 đổ bộ".');
    expect(text.match(/Bị ngắt bởi/g)).toHaveLength(1);
    expect(reasonText('preempted', 'Bị ngắt bởi chương trình "Tin sáng" (bắt đầu cứng hoặc ưu tiên cao hơn).').match(/Bị ngắt bởi/g)).toHaveLength(1);
  });
  it('keeps the label when the detail says something else', () => {
    expect(reasonText('preempted', 'stopped after 13 s')).toBe('Bị ngắt bởi thông báo khẩn cấp (stopped after 13 s)');
    expect(reasonText('preempted', null)).toBe('Bị ngắt bởi thông báo khẩn cấp');
  });
});
