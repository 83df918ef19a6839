import { Inject, Injectable, Logger } from '@nestjs/common';
import { LoaError } from '../../common/errors';
import { AppConfig, TtsSettings } from '../../config/app-config';
import { MediaAsset } from '../media-asset.entity';
import { MediaUploadService } from '../media-upload.service';
import { TTS_ENGINE, TtsEngine, TtsError } from './tts-engine';
import { verbaliseVietnamese } from './vietnamese-text';

/** Text bulletins become programme audio: numbers and dates written out, spoken, then normalised like an upload. */
@Injectable()
export class TtsService {
  private readonly logger = new Logger(TtsService.name);
  private readonly defaultVoice: string;

  constructor(
    @Inject(TTS_ENGINE) private readonly engine: TtsEngine,
    private readonly uploads: MediaUploadService,
    @Inject(AppConfig) config: { tts: TtsSettings },
  ) {
    this.defaultVoice = config.tts.voice;
  }

  async speak(text: string, voice: string | undefined, userId: string | null, chuyenMuc: string | null): Promise<MediaAsset> {
    const spoken = verbaliseVietnamese(text);
    let wav: Buffer;
    try {
      wav = await this.engine.synthesise(spoken, voice ?? this.defaultVoice);
    } catch (err) {
      if (!(err instanceof TtsError)) throw err;
      this.logger.error(`${this.engine.name}: ${err.message}`);
      throw new LoaError('tts_failed', 'Không tạo được giọng đọc cho văn bản này. Hãy thử lại sau hoặc báo quản trị viên.', {
        engine: this.engine.name,
      });
    }
    return this.uploads.uploadSpeech(wav, labelFor(text), userId, chuyenMuc, text);
  }
}

/** The first words of the bulletin, as the asset's name; "05/11" must not read as a folder. */
export function labelFor(text: string): string {
  const words = text.replace(/\s+/g, ' ').replace(/[\\/]/g, '-').trim().slice(0, 60).trim();
  return `${words || 'Tin bài'}.wav`;
}
