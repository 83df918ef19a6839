import type { UnitView } from '@loa/api-types';
import { describe, expect, it } from 'vitest';
import { importProblems, mergeTargets, moveTargets, unitRows } from './units-tree';

const unit = (id: string, name: string, parentId: string | null, over: Partial<UnitView> = {}): UnitView => ({ id, name, parentId, kind: 'Xã', code: id, ...over });
const units = [
  unit('ht', 'Tỉnh Hà Tĩnh', null, { kind: 'Tỉnh' }),
  unit('cv', 'Xã Cẩm Vịnh', 'ht', { retiredAt: '2025-07-01T00:00:00.000Z', mergedIntoId: 'cb' }),
  unit('cb', 'Xã Cẩm Bình', 'ht'),
  unit('thon', 'Thôn Đông', 'cb', { kind: 'Thôn' }),
  unit('ca', 'Xã Cẩm Anh', 'ht'),
];

describe('the unit tree screen', () => {
  it('lists each unit under its parent, by name, retired units after the live ones', () => {
    expect(unitRows(units).map((r) => `${'  '.repeat(r.depth)}${r.unit.id}`)).toEqual(['ht', '  ca', '  cb', '    thon', '  cv']);
  });

  it('puts units whose parent the user cannot see at the top', () => {
    expect(unitRows(units.filter((u) => u.id !== 'ht')).map((r) => [r.unit.id, r.depth])).toEqual([['ca', 0], ['cb', 0], ['thon', 1], ['cv', 0]]);
  });

  it('offers as a new parent only live units outside the unit’s own subtree', () => {
    expect(moveTargets(units, 'cb').map((u) => u.id)).toEqual(['ca']);
    expect(moveTargets(units, 'thon').map((u) => u.id)).toEqual(['ht', 'ca']);
  });

  it('offers as a merger partner only live units neither above nor below it', () => {
    expect(mergeTargets(units, 'ca').map((u) => u.id)).toEqual(['cb', 'thon']);
    expect(mergeTargets(units, 'cb').map((u) => u.id)).toEqual(['ca']);
  });

  it('reads the rows a refused import names, in file order', () => {
    expect(importProblems({ problems: [{ row: 4, message: 'b' }, { row: 2, message: 'a' }, { bad: true }] })).toEqual([{ row: 2, message: 'a' }, { row: 4, message: 'b' }]);
    expect(importProblems(undefined)).toEqual([]);
  });
});
