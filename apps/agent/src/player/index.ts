import type { ProcessRunner } from '@loa/process';
import type { Clock } from '../clock';
import type { PlayerKind } from '../config';
import { AlsaPlayer } from './alsa-player';
import { FilePlayer } from './file-player';
import { NullPlayer } from './null-player';
import type { Player } from './player';

export * from './player';
export { AlsaPlayer } from './alsa-player';
export { FilePlayer, sinkFileName, type SinkRecord } from './file-player';
export { NullPlayer } from './null-player';

export function createPlayer(kind: PlayerKind, options: { alsaDevice: string; sinkDir: string; clock: Clock; processes?: ProcessRunner }): Player {
  switch (kind) {
    case 'alsa':
      return new AlsaPlayer(options.alsaDevice, options.clock, { processes: options.processes });
    case 'file':
      return new FilePlayer(options.sinkDir, options.clock);
    case 'null':
      return new NullPlayer(options.clock);
  }
}
