import type { Provider } from '@nestjs/common';
import { ReplayRepository, TypeormReplayRepository } from './replay.repository';
import { ReplayService } from './replay.service';

/** The public replay pages' service and the store it reads through. */
export const REPLAY_PROVIDERS: Provider[] = [{ provide: ReplayRepository, useClass: TypeormReplayRepository }, ReplayService];
