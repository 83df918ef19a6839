import { countsTowards, countTargets } from './target-count';

const target = { id: 't1', chuyenMucId: 'cm-cchc', chuyenMuc: 'Cải cách hành chính', stationIds: ['a', 'b'] };

describe('counting airings towards a plan target', () => {
  it('a programme counts when filed under the chuyên mục, or when it carries its name in any case', () => {
    expect(countsTowards(target, { chuyenMucId: 'cm-cchc', chuyenMuc: 'Tên khác' })).toBe(true);
    expect(countsTowards(target, { chuyenMucId: null, chuyenMuc: 'CẢI CÁCH HÀNH CHÍNH' })).toBe(true);
    expect(countsTowards(target, { chuyenMucId: 'cm-other', chuyenMuc: 'Thời sự' })).toBe(false);
    expect(countsTowards(target, { chuyenMucId: undefined, chuyenMuc: undefined })).toBe(false);
  });

  it('counts aired lines and airings to come per station and month, never an airing the logbook already has, nor one outside the months', () => {
    const line = (stationId: string, occurrenceId: string, month: number, result: string, chuyenMuc = 'Cải cách hành chính') => ({ stationId, occurrenceId, month, result, chuyenMuc });
    const lines = [
      line('a', 'o1', 0, 'complete'),
      line('a', 'o2', 0, 'partial'),
      line('a', 'o3', 1, 'missed'),
      line('a', 'o4', 1, 'interrupted'),
      line('a', 'o5', 1, 'complete', 'Thời sự'),
      line('b', 'o6', 5, 'complete'),
      line('c', 'o7', 0, 'complete'),
    ];
    const ahead = [
      { stationId: 'a', occurrenceId: 'o3', month: 1, chuyenMucId: 'cm-cchc' },
      { stationId: 'a', occurrenceId: 'o8', month: 1, chuyenMucId: 'cm-cchc' },
      { stationId: 'b', occurrenceId: 'o9', month: 0, chuyenMucId: 'cm-cchc' },
      { stationId: 'b', occurrenceId: 'o10', month: -1, chuyenMucId: 'cm-cchc' },
      { stationId: 'b', occurrenceId: 'o11', month: 0, chuyenMucId: 'cm-other' },
    ];
    const counts = countTargets([target], 2, lines, (l) => l.month, ahead, (a) => a.month).get('t1')!;
    expect(Object.fromEntries(counts)).toEqual({
      a: { aired: [2, 0], scheduled: [0, 1] },
      b: { aired: [0, 0], scheduled: [1, 0] },
    });
  });
});
