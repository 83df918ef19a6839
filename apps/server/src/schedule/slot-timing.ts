import { toInstant, type StartMode } from '@loa/protocol';
import { END_OF_TIME, isTimeZone, RecurrenceError, seriesBounds, validateRecurrence, wallOf } from '@loa/schedule';
import { LoaError } from '../common/errors';
import { parseAuthoredInstant } from './zoned-time';

/** When and how a slot airs, as its author gives it. */
export interface SlotTiming {
  startAt: string;
  timeZone: string;
  rule: string | null;
  exdates: string[];
  startMode: StartMode;
  waitMs: number | undefined;
}

/** What is stored of a slot's timing. */
export interface StoredTiming {
  localStart: string;
  timeZone: string;
  rule: string | null;
  exdates: string[];
  startAt: string;
  endAt: string;
  startMode: StartMode;
  waitMs: number;
}

export function timingOf(input: Partial<SlotTiming> & { startAt: string; rule?: string | null }, defaultZone: string): SlotTiming {
  return {
    startAt: input.startAt,
    timeZone: input.timeZone ?? defaultZone,
    rule: input.rule ?? null,
    exdates: input.exdates ?? [],
    startMode: input.startMode ?? 'hard',
    waitMs: input.waitMs,
  };
}

/** When a slot airs, checked and turned into what is stored; throws a 400/422 LoaError when unusable. */
export function checkTiming(input: SlotTiming, durationMs: number, now: number): StoredTiming {
  const zone = input.timeZone;
  if (!isTimeZone(zone)) throw new LoaError('validation_failed', 'Múi giờ không hợp lệ.', { field: 'timeZone' });
  const first = parseAuthoredInstant(input.startAt, zone);
  if (first === null) throw new LoaError('validation_failed', 'Thời điểm phát không hợp lệ.', { field: 'startAt' });
  const localStart = wallOf(first, zone);
  const rec = { start: localStart, timeZone: zone, rule: input.rule, exdates: input.exdates };
  try {
    validateRecurrence(rec);
  } catch (e) {
    if (e instanceof RecurrenceError) throw new LoaError('validation_failed', e.message, { field: e.field });
    throw e;
  }
  const bounds = seriesBounds(rec);
  if (bounds.first === null || bounds.last === null) throw new LoaError('validation_failed', 'Quy tắc lặp lại không cho buổi phát nào.', { field: 'rule' });
  if (bounds.last < now) throw new LoaError('slot_in_past', 'Không thể xếp lịch phát vào thời điểm đã qua.');
  if (input.startMode === 'wait' && !input.waitMs) {
    throw new LoaError('validation_failed', 'Chế độ "chờ tối đa" cần số giây chờ (waitMs).', { field: 'waitMs' });
  }
  return {
    localStart,
    timeZone: zone,
    rule: input.rule,
    exdates: input.exdates,
    startAt: toInstant(bounds.first),
    endAt: bounds.last === END_OF_TIME ? toInstant(END_OF_TIME) : toInstant(bounds.last + durationMs),
    startMode: input.startMode,
    waitMs: input.startMode === 'wait' ? (input.waitMs ?? 0) : 0,
  };
}
