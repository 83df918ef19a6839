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
}
