import { numberToWords, verbaliseVietnamese } from './vietnamese-text';

describe('Vietnamese numbers and dates in words', () => {
  it.each([
    [0, 'không'],
    [5, 'năm'],
    [10, 'mười'],
    [11, 'mười một'],
    [15, 'mười lăm'],
    [21, 'hai mươi mốt'],
    [24, 'hai mươi tư'],
    [25, 'hai mươi lăm'],
    [30, 'ba mươi'],
    [105, 'một trăm linh năm'],
    [110, 'một trăm mười'],
    [1005, 'một nghìn không trăm linh năm'],
    [1250, 'một nghìn hai trăm năm mươi'],
    [2026, 'hai nghìn không trăm hai mươi sáu'],
    [1_000_000, 'một triệu'],
    [1_000_500, 'một triệu năm trăm'],
    [2_500_000_000, 'hai tỷ năm trăm triệu'],
  ])('%d → %s', (n, words) => {
    expect(numberToWords(n)).toBe(words);
  });

  it('reads a date as the newsreader does', () => {
    expect(verbaliseVietnamese('05/11/2026')).toBe('ngày năm tháng mười một năm hai nghìn không trăm hai mươi sáu');
    expect(verbaliseVietnamese('Từ ngày 15/12 đến 14/3.')).toBe('Từ ngày mười lăm tháng mười hai đến ngày mười bốn tháng ba.');
  });

  it('reads thousands separated by dots, decimals by commas, percentages and times', () => {
    expect(verbaliseVietnamese('Thu 1.250 hồ sơ')).toBe('Thu một nghìn hai trăm năm mươi hồ sơ');
    expect(verbaliseVietnamese('đạt 98,5%')).toBe('đạt chín mươi tám phẩy năm phần trăm');
    expect(verbaliseVietnamese('phát lúc 6h30 và 17:00')).toBe('phát lúc sáu giờ ba mươi phút và mười bảy giờ');
  });

  it('leaves what is not a date alone, and text without digits unchanged', () => {
    expect(verbaliseVietnamese('31/02/2026')).not.toContain('ngày ba mươi mốt tháng hai');
    expect(verbaliseVietnamese('Xin chào bà con.')).toBe('Xin chào bà con.');
  });
});
