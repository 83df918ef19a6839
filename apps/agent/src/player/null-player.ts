import type { AgentItem } from '../schedule-items';
import type { Clock } from '../clock';
import type { Went } from '../start-line';
import type { Playback, PlaybackResult, Player, Prepared } from './player';

/** Plays nothing: measures start timing and holds the output for the programme's duration. */
export class NullPlayer implements Player {
  readonly kind = 'null';
  private readonly playing = new Set<Playback>();

  constructor(private readonly clock: Clock) {}

  prepare(item: AgentItem, filePath: string): Promise<Prepared> {
    return Promise.resolve({ item, filePath, release: () => {} });
  }

  start(prepared: Prepared, went?: Went): Playback {
    const startedAt = went?.startedAt ?? this.clock.serverNow();
    let stop: () => void = () => {};
    let timer: NodeJS.Timeout | null = null;
    const finished = new Promise<PlaybackResult>((resolve) => {
      const end = (stopped: boolean) => {
        const endedAt = this.clock.serverNow();
        resolve({ endedAt, playedMs: Math.round(Math.max(0, endedAt - startedAt)), stopped });
      };
      timer = setTimeout(() => end(false), prepared.item.durationMs);
      stop = () => {
        if (timer) clearTimeout(timer);
        end(true);
      };
    });
    const playback: Playback = {
      startedAt,
      finished,
      stop: () => stop(),
      fadeOut: (ms) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => stop(), Math.max(0, ms));
      },
    };
    this.playing.add(playback);
    void finished.finally(() => this.playing.delete(playback));
    return playback;
  }

  async close(): Promise<void> {
    for (const p of this.playing) p.stop();
    await Promise.allSettled([...this.playing].map((p) => p.finished));
  }
}
