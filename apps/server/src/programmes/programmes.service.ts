import { Inject, Injectable } from '@nestjs/common';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { MediaService } from '../media/media.service';
import { CCHC, ChuyenMucService } from './chuyen-muc.service';
import { Programme } from './programme.entity';
import { ProgrammesRepository } from './programmes.repository';

export interface NewProgramme {
  title: string;
  chuyenMuc: string;
  description?: string;
  mediaAssetId: string;
  topicId?: string;
  /** Heard again on the public replay page once aired; absent: the default (see `publicByDefault`). */
  public?: boolean;
}

/** The chuyên mục a khẩn cấp announcement made on the spot is filed under (see the live service). */
export const EMERGENCY_CHUYEN_MUC = 'Thông báo khẩn cấp';

/**
 * Whether a new programme is public unless its author says otherwise: CCHC programmes and those an upper
 * level makes (an account bound to no unit, or to a unit with units below it) are meant for every resident;
 * a commune's own notices are not, and a khẩn cấp announcement never is by default.
 */
export function publicByDefault(p: { chuyenMuc: string; chuyenMucCode: string | null; upperLevel: boolean }): boolean {
  if (p.chuyenMuc.trim().toLocaleLowerCase('vi') === EMERGENCY_CHUYEN_MUC.toLocaleLowerCase('vi')) return false;
  return p.chuyenMucCode === CCHC.code || p.upperLevel;
}

@Injectable()
export class ProgrammesService {
  constructor(
    private readonly programmes: ProgrammesRepository,
    @Inject(MediaService) private readonly media: Pick<MediaService, 'requireReady'>,
    private readonly chuyenMuc: ChuyenMucService,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'filterOwned' | 'units' | 'unitsOfUsers'>,
    private readonly clock: Clock,
  ) {}

  /** The audio must be converted to the broadcast format before it can become a programme. */
  async create(input: NewProgramme, userId: string | null): Promise<Programme> {
    const asset = await this.media.requireReady(input.mediaAssetId);
    const link = await this.chuyenMuc.link(input.chuyenMuc, input.topicId);
    const isPublic =
      input.public ??
      publicByDefault({
        chuyenMuc: input.chuyenMuc,
        chuyenMucCode: link.chuyenMucId ? (await this.chuyenMuc.get(link.chuyenMucId)).code : null,
        upperLevel: await this.upperLevel(userId),
      });
    return this.programmes.insert({
      title: input.title.trim(),
      chuyenMuc: input.chuyenMuc.trim(),
      chuyenMucId: link.chuyenMucId,
      topicId: link.topicId,
      description: input.description ?? '',
      mediaAssetId: input.mediaAssetId,
      spokenText: asset.spokenText ?? null,
      createdBy: userId,
      public: isPublic,
      createdAt: this.clock.nowInstant(),
    });
  }

  /** Shows or hides a programme on the public replay pages: its author's unit, or one above it, decides. */
  async setPublic(id: string, isPublic: boolean, who: Principal): Promise<Programme> {
    const programme = await this.get(id, who);
    if (!(await this.access.filterOwned(who, [programme], (p) => p.createdBy, 'write')).length) {
      throw new LoaError('forbidden', 'Chỉ đơn vị làm ra chương trình (hoặc đơn vị cấp trên) mới đổi được việc cho nghe lại công khai.');
    }
    if (programme.public === isPublic) return programme;
    await this.programmes.setPublic(id, isPublic);
    return { ...programme, public: isPublic };
  }

  /** A programme made by no account (the system) or by one bound to no unit or to a unit with units below it. */
  private async upperLevel(userId: string | null): Promise<boolean> {
    if (userId === null) return true;
    const unitId = (await this.access.unitsOfUsers([userId])).get(userId) ?? null;
    if (unitId === null) return true;
    return (await this.access.units()).some((u) => u.parentId === unitId);
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
