/** Turns text into speech. Implementations: the built-in espeak-ng (WebAssembly) and an external command. */
export interface TtsEngine {
  readonly name: string;
  /** A WAV file's bytes for `text`, spoken with `voice`. */
  synthesise(text: string, voice: string, signal?: AbortSignal): Promise<Buffer>;
}

export const TTS_ENGINE = Symbol('TtsEngine');

/** Longest a synthesis may run; a bulletin of a few thousand characters takes seconds. */
export const TTS_TIMEOUT_MS = 120_000;

export class TtsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TtsError';
  }
}
