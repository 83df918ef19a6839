import { Clock } from '../../apps/server/src/common/clock';
import { ConversionService } from '../../apps/server/src/media/conversion.service';
import type { AudioProbeService } from '../../apps/server/src/media/audio-probe.service';
import type { FfmpegService } from '../../apps/server/src/media/ffmpeg.service';
import { LoudnessTargetsService } from '../../apps/server/src/media/loudness-targets.service';
import { MediaEvents } from '../../apps/server/src/media/media-events';
import { MediaJobsService } from '../../apps/server/src/media/media-jobs.service';
import type { MediaSettings } from '../../apps/server/src/media/media-settings';
import type { MediaStorage } from '../../apps/server/src/media/media-store';
import { MediaUploadService } from '../../apps/server/src/media/media-upload.service';
import type { MediaRepository } from '../../apps/server/src/media/media.repository';
import { MediaService } from '../../apps/server/src/media/media.service';

/** The media services of one server instance, wired as the module wires them. */
export interface MediaServices {
  media: MediaService;
  targets: LoudnessTargetsService;
  conversion: ConversionService;
  jobs: MediaJobsService;
  uploads: MediaUploadService;
  events: MediaEvents;
}

export function mediaServices(
  db: MediaRepository,
  store: MediaStorage,
  { ffmpeg, probe }: { ffmpeg: FfmpegService; probe: AudioProbeService },
  settings: MediaSettings,
  clock: Clock = new Clock(),
): MediaServices {
  const events = new MediaEvents();
  const media = new MediaService(db, store, ffmpeg, events, settings);
  const targets = new LoudnessTargetsService(db, settings, clock);
  const conversion = new ConversionService(store, ffmpeg, probe, settings);
  const jobs = new MediaJobsService(db, store, conversion, media, events, settings, clock);
  const uploads = new MediaUploadService(db, store, probe, jobs, targets, settings, clock);
  return { media, targets, conversion, jobs, uploads, events };
}
