import { randomUUID } from 'node:crypto';
import type { PlaybackEvent } from '@loa/protocol';
import { resultOf } from './logbook-rules';

const base: PlaybackEvent = { id: randomUUID(), kind: 'finished', occurrenceId: 'o', slotId: 's', plannedAt: '2026-11-24T22:30:00.000Z' };

describe('logbook result of an agent event', () => {
  it('a start alone writes no line', () => expect(resultOf({ ...base, kind: 'started' }, 60_000)).toBeNull());
  it('played to the end is "phát đủ"', () => expect(resultOf({ ...base, playedMs: 59_500 }, 60_000)).toBe('complete'));
  it('stopped short is "phát không đủ"', () => expect(resultOf({ ...base, playedMs: 30_000 }, 60_000)).toBe('partial'));
  it('missed is "không phát"', () => expect(resultOf({ ...base, kind: 'failed', reason: 'missed' }, 60_000)).toBe('missed'));
  it('interrupted after starting is partial', () =>
    expect(resultOf({ ...base, kind: 'failed', reason: 'interrupted', startedAt: base.plannedAt }, 60_000)).toBe('partial'));
  it('a device error is "lỗi"', () => expect(resultOf({ ...base, kind: 'failed', reason: 'player_error' }, 60_000)).toBe('failed'));
});
