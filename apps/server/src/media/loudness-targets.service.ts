import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig, LoudnessSettings } from '../config/app-config';
import { LoudnessTarget } from './loudness-target.entity';
import { DEFAULT_LOUDNESS, MediaSettings } from './media-settings';
import { MediaRepository } from './media.repository';

/** The loudness each chuyên mục's programmes are normalised to, where it differs from the global one. */
@Injectable()
export class LoudnessTargetsService {
  private readonly loudness: LoudnessSettings;

  constructor(
    private readonly db: MediaRepository,
    @Inject(AppConfig) config: MediaSettings,
    private readonly clock: Clock,
  ) {
    this.loudness = config.loudness ?? DEFAULT_LOUDNESS;
  }

  /** The loudness a chuyên mục's programmes are normalised to: its own target, or the global one. */
  async targetFor(chuyenMuc: string | null): Promise<number> {
    if (!chuyenMuc) return this.loudness.targetLufs;
    const own = await this.db.target(chuyenMuc);
    return own?.targetLufs ?? this.loudness.targetLufs;
  }

  listTargets(): Promise<LoudnessTarget[]> {
    return this.db.allTargets();
  }

  async setTarget(chuyenMuc: string, targetLufs: number, userId: string | null): Promise<LoudnessTarget> {
    const name = chuyenMuc.trim();
    if (!name) throw new LoaError('validation_failed', 'Tên chuyên mục không được để trống.');
    return this.db.saveTarget({ chuyenMuc: name, targetLufs, updatedBy: userId, updatedAt: this.clock.nowInstant() });
  }

  async removeTarget(chuyenMuc: string): Promise<void> {
    if (!(await this.db.deleteTarget(chuyenMuc))) throw new LoaError('not_found', 'Chuyên mục này không có mức âm lượng riêng.', { chuyenMuc });
  }
}
