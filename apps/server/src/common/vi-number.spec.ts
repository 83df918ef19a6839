import { viNumber, viPercent } from './vi-number';

describe('numbers written the Vietnamese way', () => {
  it('puts a comma before the decimals and dots between thousands', () => {
    expect(viNumber(1234.56)).toBe('1.234,6');
    expect(viNumber(42)).toBe('42');
    expect(viNumber(0.5)).toBe('0,5');
  });

  it('writes a ratio as a percentage with one decimal and no space, as the report prose does', () => {
    expect(viPercent(1)).toBe('100,0%');
    expect(viPercent(0.975)).toBe('97,5%');
    expect(viPercent(null)).toBe('—');
  });
});
