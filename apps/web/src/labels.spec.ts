import { FailureReason } from '@loa/protocol';
import { AIR_VERDICT_LABELS, AIR_VERDICTS, LOGBOOK_RESULTS, LOGBOOK_SOURCES, REASON_LABELS, RESULT_LABELS, SOURCE_LABELS } from '@loa/api-types';
import { AirVerdict } from '@loa/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { setLang, t, type MessageKey } from './i18n';
import { AIR_VERDICT_VALUES, airVerdictLabel, airVerdictTone, lineReason, reasonLabel, RESULT_VALUES, resultLabel, resultTone, SOURCE_VALUES, sourceLabel } from './labels';

afterEach(() => setLang('vi'));

describe('the console names every value the server sends', () => {
  it('has a word for every logbook result, in Vietnamese (the server\'s own) and in English', () => {
    expect([...RESULT_VALUES].sort()).toEqual([...LOGBOOK_RESULTS].sort());
    for (const r of LOGBOOK_RESULTS) {
      expect(resultLabel(r)).toBe(RESULT_LABELS[r]);
      setLang('en');
      expect(resultLabel(r)).toMatch(/^[A-Z][a-z]/);
      setLang('vi');
    }
    expect(resultLabel('interrupted')).toBe('Bị ngắt bởi khẩn cấp');
  });

  it('has a word for every proof-of-air verdict the agents report, and a tone', () => {
    expect([...AIR_VERDICT_VALUES].sort()).toEqual([...AirVerdict.options].sort());
    expect([...AIR_VERDICTS].sort()).toEqual([...AirVerdict.options].sort());
    for (const v of AirVerdict.options) {
      expect(airVerdictLabel(v)).toBe(AIR_VERDICT_LABELS[v]);
      setLang('en');
      expect(airVerdictLabel(v)).toMatch(/^[A-Z][a-z]/);
      setLang('vi');
    }
    expect(airVerdictLabel('confirmed')).toBe('Xác nhận phát sóng');
    expect(airVerdictLabel('not_confirmed')).toBe('Không xác nhận');
    expect(airVerdictLabel('no_capture')).toBe('Không có thiết bị thu');
    expect([airVerdictTone('confirmed'), airVerdictTone('not_confirmed')]).toEqual(['ok', 'bad']);
    expect(airVerdictLabel(null)).toBe('');
    expect(airVerdictLabel('heard_by_bats')).toContain('heard_by_bats');
  });

  it('has a word for every source', () => {
    expect([...SOURCE_VALUES].sort()).toEqual([...LOGBOOK_SOURCES].sort());
    for (const s of LOGBOOK_SOURCES) {
      expect(sourceLabel(s)).toBe(SOURCE_LABELS[s]);
      setLang('en');
      expect(sourceLabel(s)).not.toMatch(/^Other \(/);
      setLang('vi');
    }
  });

  it('has a sentence for every failure reason the agents report', () => {
    for (const reason of FailureReason.options) {
      expect(reasonLabel(reason)).toBe(REASON_LABELS[reason]);
      setLang('en');
      expect(reasonLabel(reason)).toMatch(/^[A-Z]/);
      expect(reasonLabel(reason)).not.toBe(reason);
      setLang('vi');
    }
  });

  it('shows a value it has no word for as itself, without throwing', () => {
    expect(resultLabel('rerouted')).toBe('Khác (rerouted)');
    expect(sourceLabel('satellite')).toBe('Khác (satellite)');
    expect(reasonLabel('overheated')).toBe('overheated');
    expect(resultLabel(null)).toBe('—');
    expect(resultLabel('toString')).toBe('Khác (toString)');
    expect(resultTone('rerouted')).toBe('warn');
  });

  it('never throws on a message key it does not know', () => {
    expect(t('noSuchKey' as MessageKey)).toBe('noSuchKey');
  });
});

describe('the reason of a logbook line', () => {
  it('says "cut by" once when the agent\'s detail already says it', () => {
    const text = lineReason({ reason: 'preempted', detail: 'Bị ngắt bởi phát trực tiếp: "Báo động lũ".' });
    expect(text).toBe('Bị ngắt bởi phát trực tiếp: "Báo động lũ".');
    expect(text.match(/Bị ngắt bởi/g)).toHaveLength(1);
  });

  it('adds a detail that says something more in brackets', () => {
    expect(lineReason({ reason: 'media_missing', detail: 'abc.mp3' })).toBe('Thiếu tệp âm thanh hoặc tệp hỏng (abc.mp3)');
    expect(lineReason({ reason: 'missed', detail: null })).toBe(REASON_LABELS.missed);
    expect(lineReason({ reason: null, detail: null })).toBe('');
  });
});
