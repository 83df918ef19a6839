import { periodFor } from './dossier-period';

describe('the reporting period a dossier carries', () => {
  it('is the period whose window is exactly the dossier’s days, calendar or CCHC', () => {
    expect(periodFor('2026-01-01', '2026-03-31')).toEqual({ period: 'Q1', year: 2026, convention: 'calendar' });
    expect(periodFor('2025-12-15', '2026-03-14')).toEqual({ period: 'Q1', year: 2026, convention: 'cchc' });
    expect(periodFor('2026-01-01', '2026-12-31')).toEqual({ period: 'Y', year: 2026, convention: 'calendar' });
    expect(periodFor('2025-12-15', '2026-06-14')).toEqual({ period: 'H1', year: 2026, convention: 'cchc' });
  });

  it('else the shortest one that covers them', () => {
    expect(periodFor('2026-02-01', '2026-02-28')).toEqual({ period: 'Q1', year: 2026, convention: 'calendar' });
    expect(periodFor('2026-03-01', '2026-04-30')).toEqual({ period: 'H1', year: 2026, convention: 'calendar' });
    // Late December belongs to the next year's CCHC first quarter.
    expect(periodFor('2026-12-20', '2027-01-10')).toEqual({ period: 'Q1', year: 2027, convention: 'cchc' });
  });

  it('is none when no reporting year holds the span', () => {
    expect(periodFor('2026-06-01', '2027-02-01')).toBeNull();
  });
});
