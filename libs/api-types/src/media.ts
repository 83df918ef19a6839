/** 'expired': the retention policy removed its files; the row stays as the record of what was there. */
export const MEDIA_STATUSES = ['processing', 'ready', 'failed', 'cancelled', 'expired'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

export const MEDIA_SOURCES = ['upload', 'tts'] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];

export interface MediaAssetView {
  id: string;
  status: MediaStatus;
  originalName: string;
  /** The broadcast file's hash, once it is ready. */
  sha256: string | null;
  durationMs: number | null;
  /** 0–100 while converting. */
  progress: number;
  error: string | null;
  /** The server's sentence when the broadcast file misses its loudness target; null when it meets it. */
  loudnessWarning?: string | null;
}

export interface ProgrammeView {
  id: string;
  title: string;
  chuyenMuc: string;
  description: string;
  mediaAssetId: string;
  /** Listed on the commune's public replay page ("Nghe lại") once aired there. */
  public: boolean;
  createdAt: string;
  /** Its versions in other languages; the programme's own audio is the Vietnamese one. */
  versions?: ProgrammeVersionView[];
}

/** The chuyên mục a khẩn cấp announcement made on the spot is filed under. */
export const EMERGENCY_CHUYEN_MUC = 'Thông báo khẩn cấp';
/** The code of the administrative-reform (CCHC) chuyên mục, there from the first start. */
export const CCHC_CODE = 'CCHC';

/**
 * Whether a new programme is public unless its author says otherwise: CCHC programmes and those an upper
 * level makes (an account bound to no unit, or to a unit with units below it) are meant for every resident;
 * a commune's own notices are not, and a khẩn cấp announcement never is by default. The server applies it
 * when the author does not choose; the upload form ticks its box by it.
 */
export function publicByDefault(p: { chuyenMuc: string; chuyenMucCode: string | null; upperLevel: boolean }): boolean {
  if (p.chuyenMuc.trim().toLocaleLowerCase('vi') === EMERGENCY_CHUYEN_MUC.toLocaleLowerCase('vi')) return false;
  return p.chuyenMucCode === CCHC_CODE || p.upperLevel;
}

/** The language of the programme's own audio: every programme has it, and a station with no preference gets it. */
export const MAIN_LANGUAGE = 'vi';

/**
 * Vietnamese and languages of Vietnam's ethnic minorities that local stations broadcast in: there from the
 * first start (admins add others), and how printed logbooks name them.
 */
export const SEEDED_LANGUAGES: readonly LanguageView[] = [
  { code: MAIN_LANGUAGE, name: 'Tiếng Việt' },
  { code: 'km', name: 'Tiếng Khmer' },
  { code: 'hmn', name: "Tiếng H'Mông" },
  { code: 'ede', name: 'Tiếng Ê Đê' },
  { code: 'tay', name: 'Tiếng Tày' },
  { code: 'nut', name: 'Tiếng Nùng' },
  { code: 'mtq', name: 'Tiếng Mường' },
  { code: 'jra', name: 'Tiếng Gia Rai' },
  { code: 'bdq', name: 'Tiếng Ba Na' },
  { code: 'cjm', name: 'Tiếng Chăm' },
];

/** "Tiếng Khmer" for `km`; the code itself for a language an admin added. */
export function languageLabel(code: string): string {
  return SEEDED_LANGUAGES.find((l) => l.code === code)?.name ?? code;
}

/** A language programmes are made in (Decree 49/2024 Art. 8): a code and its name, as data. */
export interface LanguageView {
  /** ISO 639 code: `vi`, `km`, `hmn`, `ede`, `tay` … */
  code: string;
  name: string;
}

/** A programme's version in another language: its own audio, normalised like the programme's. */
export interface ProgrammeVersionView {
  id: string;
  programmeId: string;
  language: string;
  mediaAssetId: string;
  createdAt: string;
}
