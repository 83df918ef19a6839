import { languageLabel, MAIN_LANGUAGE, type LanguageView, type ProgrammeView } from '@loa/api-types';

/** A language's name from the server's list; the built-in name or the code itself when the list does not have it. */
export function languageName(code: string, languages: readonly LanguageView[]): string {
  return languages.find((l) => l.code === code)?.name ?? languageLabel(code);
}

/** The preference with `code` added last (once). */
export function withLanguage(preference: readonly string[], code: string): string[] {
  return !code || preference.includes(code) ? [...preference] : [...preference, code];
}

/** The preference without `code`. */
export function withoutLanguage(preference: readonly string[], code: string): string[] {
  return preference.filter((c) => c !== code);
}

/** The preference with `code` one place earlier (preferred over the one before it). */
export function raised(preference: readonly string[], code: string): string[] {
  const i = preference.indexOf(code);
  if (i <= 0) return [...preference];
  const out = [...preference];
  [out[i - 1], out[i]] = [out[i], out[i - 1]];
  return out;
}

/** Languages a programme may still get a version in: not Vietnamese (its own audio), not one it has. */
export function versionChoices(languages: readonly LanguageView[], programme: Pick<ProgrammeView, 'versions'>): LanguageView[] {
  const taken = new Set((programme.versions ?? []).map((v) => v.language));
  return languages.filter((l) => l.code !== MAIN_LANGUAGE && !taken.has(l.code));
}
