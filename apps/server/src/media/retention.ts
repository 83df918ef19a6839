/**
 * The retention rule, as a pure function. Broadcast output is kept unaltered for at least six months
 * (Decree 08/2017 for press agencies; the safe default for commune stations too).
 */

export interface RetentionFacts {
  status: 'processing' | 'ready' | 'failed' | 'cancelled' | 'expired';
  createdAt: string;
  /** A slot still to come (or on air) uses it. */
  stillScheduled: boolean;
  /** The latest airing (or planned airing) of a programme that uses it; null if never. */
  lastUsedAt: string | null;
  /** It aired in a period whose dossier no inspector has closed yet for that station. */
  inOpenDossier?: boolean;
}

export type RetentionDecision = { expire: true } | { expire: false; why: 'in_use' | 'scheduled' | 'aired_recently' | 'recent' | 'finished' | 'dossier_open' };

/** The instant `months` calendar months before `now` (clamped to the month's last day). */
export function retentionCutoff(now: Date, months: number): string {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() - months;
  const target = new Date(Date.UTC(y, m, 1, now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(now.getUTCDate(), lastDay));
  return target.toISOString();
}

/**
 * Whether an asset's files may be deleted now. Never while a conversion runs, while a slot still uses it,
 * within the retention period after its last airing, within the period after its upload (a programme
 * uploaded for next month is not scheduled yet), or while an airing of it lies in a period whose dossier
 * an inspector has not closed.
 */
export function retentionDecision(facts: RetentionFacts, cutoff: string): RetentionDecision {
  if (facts.status === 'processing') return { expire: false, why: 'in_use' };
  if (facts.status === 'expired') return { expire: false, why: 'finished' };
  if (facts.stillScheduled) return { expire: false, why: 'scheduled' };
  if (facts.lastUsedAt !== null && facts.lastUsedAt >= cutoff) return { expire: false, why: 'aired_recently' };
  if (facts.createdAt >= cutoff) return { expire: false, why: 'recent' };
  // Past the retention period too, audio stays as evidence until an inspector has closed its dossier.
  if (facts.inOpenDossier) return { expire: false, why: 'dossier_open' };
  return { expire: true };
}
