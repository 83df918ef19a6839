import { MAIN_LANGUAGE } from '@loa/api-types';
import type { AiringRow } from './snapshot';

/** A programme's version in another language, with its broadcast audio, as a snapshot carries it. */
export interface VersionMedia {
  programmeId: string;
  language: string;
  sha256: string;
  size: number;
  durationMs: number;
}

/**
 * The version a station airs: the first language of its preference the programme has a version in; null
 * for the programme's own (Vietnamese) audio, when none matches, when Vietnamese comes first, or when the
 * station has no preference. Vietnamese in the preference ranks the languages after it below the main audio.
 */
export function chooseVersion<V extends { language: string }>(preference: readonly string[], versions: readonly V[]): V | null {
  for (const code of preference) {
    if (code === MAIN_LANGUAGE) return null;
    const found = versions.find((v) => v.language === code);
    if (found) return found;
  }
  return null;
}

/** The airings with the audio of the version the station prefers, and that version's language; the others as they are. */
export function inPreferredLanguages(rows: readonly AiringRow[], preference: readonly string[], versions: readonly VersionMedia[]): AiringRow[] {
  if (!preference.length || !versions.length) return [...rows];
  return rows.map((r) => {
    const chosen = chooseVersion(preference, versions.filter((v) => v.programmeId === r.programmeId));
    return chosen ? { ...r, sha256: chosen.sha256, size: chosen.size, mediaDurationMs: chosen.durationMs, language: chosen.language } : r;
  });
}
