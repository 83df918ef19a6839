import { RetentionFacts, retentionCutoff, retentionDecision } from './retention';

describe('retention policy', () => {
  const now = new Date('2026-11-23T03:00:00.000Z');
  const cutoff = retentionCutoff(now, 6);
  const old: RetentionFacts = { status: 'ready', createdAt: '2025-01-10T00:00:00.000Z', stillScheduled: false, lastUsedAt: '2026-01-05T22:30:00.000Z' };

  it('counts six calendar months back, clamping to the end of a shorter month', () => {
    expect(cutoff).toBe('2026-05-23T03:00:00.000Z');
    expect(retentionCutoff(new Date('2026-08-31T12:00:00.000Z'), 6)).toBe('2026-02-28T12:00:00.000Z');
    expect(retentionCutoff(new Date('2026-03-15T00:00:00.000Z'), 6)).toBe('2025-09-15T00:00:00.000Z');
  });

  it('expires audio last aired more than six months ago and no longer scheduled', () => {
    expect(retentionDecision(old, cutoff)).toEqual({ expire: true });
  });

  it('keeps audio that aired within six months, even if uploaded long ago', () => {
    expect(retentionDecision({ ...old, lastUsedAt: '2026-06-01T00:00:00.000Z' }, cutoff)).toEqual({ expire: false, why: 'aired_recently' });
  });

  it('never deletes audio a slot still uses, however old its last airing', () => {
    expect(retentionDecision({ ...old, stillScheduled: true }, cutoff)).toEqual({ expire: false, why: 'scheduled' });
  });

  it('keeps a recent upload that has not aired yet, and never touches a running conversion', () => {
    expect(retentionDecision({ ...old, lastUsedAt: null, createdAt: '2026-11-01T00:00:00.000Z' }, cutoff)).toEqual({ expire: false, why: 'recent' });
    expect(retentionDecision({ ...old, status: 'processing' }, cutoff)).toEqual({ expire: false, why: 'in_use' });
    expect(retentionDecision({ ...old, status: 'expired' }, cutoff)).toEqual({ expire: false, why: 'finished' });
  });

  it('expires an old upload that never aired, failed or was cancelled', () => {
    expect(retentionDecision({ ...old, lastUsedAt: null }, cutoff)).toEqual({ expire: true });
    expect(retentionDecision({ ...old, lastUsedAt: null, status: 'failed' }, cutoff)).toEqual({ expire: true });
    expect(retentionDecision({ ...old, lastUsedAt: null, status: 'cancelled' }, cutoff)).toEqual({ expire: true });
  });

  it('keeps audio past the retention period while it aired in a dossier no inspector has closed', () => {
    expect(retentionDecision({ ...old, inOpenDossier: true }, cutoff)).toEqual({ expire: false, why: 'dossier_open' });
    expect(retentionDecision({ ...old, inOpenDossier: false }, cutoff)).toEqual({ expire: true });
    // A closed dossier never shortens the retention period.
    expect(retentionDecision({ ...old, inOpenDossier: false, lastUsedAt: '2026-06-01T00:00:00.000Z' }, cutoff)).toEqual({ expire: false, why: 'aired_recently' });
  });
});
