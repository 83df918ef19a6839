import { csvHeader, csvLine, UTF8_BOM } from './csv';

describe('CSV', () => {
  it('starts with a BOM so Excel reads Vietnamese correctly', () => {
    const head = csvHeader([{ header: 'Chương trình', value: () => '' }]);
    expect(head.startsWith(UTF8_BOM)).toBe(true);
    expect(head.slice(1)).toBe('Chương trình\r\n');
  });

  it('quotes commas, quotes and line breaks', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 3, null])).toBe('"a,b","say ""hi""","two\nlines",3,\r\n');
  });

  it('defuses text that a spreadsheet would run as a formula', () => {
    expect(csvLine(['=HYPERLINK("x")', '-5', -5])).toBe(`"'=HYPERLINK(""x"")",'-5,-5\r\n`);
  });
});
