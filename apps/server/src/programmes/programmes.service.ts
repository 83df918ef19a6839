import { Inject, Injectable } from '@nestjs/common';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { MediaService } from '../media/media.service';
import { ChuyenMucService } from './chuyen-muc.service';
import { Programme } from './programme.entity';
import { ProgrammesRepository } from './programmes.repository';

export interface NewProgramme {
  title: string;
  chuyenMuc: string;
  description?: string;
  mediaAssetId: string;
  topicId?: string;
}

@Injectable()
export class ProgrammesService {
  constructor(
    private readonly programmes: ProgrammesRepository,
    @Inject(MediaService) private readonly media: Pick<MediaService, 'requireReady'>,
    private readonly chuyenMuc: ChuyenMucService,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'filterOwned'>,
    private readonly clock: Clock,
  ) {}

  /** The audio must be converted to the broadcast format before it can become a programme. */
  async create(input: NewProgramme, userId: string | null): Promise<Programme> {
    const asset = await this.media.requireReady(input.mediaAssetId);
    const link = await this.chuyenMuc.link(input.chuyenMuc, input.topicId);
    return this.programmes.insert({
      title: input.title.trim(),
      chuyenMuc: input.chuyenMuc.trim(),
      chuyenMucId: link.chuyenMucId,
      topicId: link.topicId,
      description: input.description ?? '',
      mediaAssetId: input.mediaAssetId,
      spokenText: asset.spokenText ?? null,
      createdBy: userId,
      createdAt: this.clock.nowInstant(),
    });
  }

  /**
   * The programmes `who` may see: its own unit's and those of the units below it, and those an upper
   * level made (shared downward); never a sibling commune's.
   */
  async list(who: Principal): Promise<Programme[]> {
    return this.access.filterOwned(who, await this.programmes.all(), (p) => p.createdBy);
  }

  /** One programme; one `who` may not see answers 404, as if it did not exist. */
  async get(id: string, who: Principal): Promise<Programme> {
    const programme = await this.programmes.get(id);
    if (!programme || !(await this.access.filterOwned(who, [programme], (p) => p.createdBy)).length) throw new LoaError('not_found', 'Không tìm thấy chương trình này.');
    return programme;
  }
}
