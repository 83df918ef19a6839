import type { ProcessRunner } from '@loa/process';
import type { ApplyVolume } from './ports';

/** amixer that has not answered by then is stuck on the card. */
const AMIXER_TIMEOUT_MS = 10_000;

/** Sets the sound card's mixer control with amixer (alsa-utils); rejects with amixer's own words. */
export function amixerVolume(processes: ProcessRunner, card: string, control: string): ApplyVolume {
  return async (_cluster, volume) => {
    let run;
    try {
      run = await processes.run('amixer', ['-D', card, '-q', 'sset', control, `${volume}%`], { timeoutMs: AMIXER_TIMEOUT_MS });
    } catch (e) {
      throw new Error(`amixer: ${(e as Error).message.slice(0, 300)}`);
    }
    if (run.timedOut) throw new Error(`amixer: không trả lời sau ${AMIXER_TIMEOUT_MS / 1000} giây`);
    if (run.code !== 0) throw new Error(`amixer: ${(run.stderr.trim() || `thoát mã ${run.code}`).slice(0, 300)}`);
  };
}
