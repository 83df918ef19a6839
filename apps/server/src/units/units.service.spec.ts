import { subtree } from './units.service';

describe('unit tree', () => {
  const units = [
    { id: 'tinh', parentId: null },
    { id: 'huyen', parentId: 'tinh' },
    { id: 'xa1', parentId: 'huyen' },
    { id: 'xa2', parentId: 'tinh' }, // a commune directly under the province, as after the 2025 reform
    { id: 'other', parentId: null },
  ];
  it('collects a unit and everything below it, with or without a district level', () => {
    expect(subtree(units, 'tinh').sort()).toEqual(['huyen', 'tinh', 'xa1', 'xa2']);
    expect(subtree(units, 'xa1')).toEqual(['xa1']);
  });
  it('survives a cycle in bad data', () => {
    expect(subtree([{ id: 'a', parentId: 'b' }, { id: 'b', parentId: 'a' }], 'a').sort()).toEqual(['a', 'b']);
  });
});
