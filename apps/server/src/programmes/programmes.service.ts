import { Inject, Injectable } from '@nestjs/common';
import { EMERGENCY_CHUYEN_MUC, MAIN_LANGUAGE, publicByDefault } from '@loa/api-types';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { DomainEvents } from '../common/events';
import { LanguagesService } from '../languages/languages.service';
import { MediaService } from '../media/media.service';
import { SNAPSHOT_LOOKBACK_MS } from '../schedule/look-ahead.service';
import { ChuyenMucService } from './chuyen-muc.service';
import { Programme } from './programme.entity';
import type { ProgrammeVersion } from './programme-version.entity';
import { ProgrammesRepository } from './programmes.repository';
import { toInstant } from '@loa/protocol';

/** A programme as the API gives it: with its language versions. */
export type ProgrammeWithVersions = Programme & { versions: ProgrammeVersion[] };

export interface NewProgramme {
  title: string;
  chuyenMuc: string;
  description?: string;
  mediaAssetId: string;
  topicId?: string;
  /** Heard again on the public replay page once aired; absent: the default (see `publicByDefault`). */
  public?: boolean;
}

// The default of the public flag is shared with the console's upload form, which ticks its box by it.
export { EMERGENCY_CHUYEN_MUC, publicByDefault };

@Injectable()
export class ProgrammesService {
  constructor(
    private readonly programmes: ProgrammesRepository,
    @Inject(MediaService) private readonly media: Pick<MediaService, 'requireReady'>,
    private readonly chuyenMuc: ChuyenMucService,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'filterOwned' | 'requireOwned' | 'units' | 'unitsOfUsers'>,
    private readonly clock: Clock,
    @Inject(LanguagesService) private readonly languages: Pick<LanguagesService, 'require'>,
    private readonly events: DomainEvents,
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
  async list(who: Principal): Promise<ProgrammeWithVersions[]> {
    return this.withVersions(await this.access.filterOwned(who, await this.programmes.all(), (p) => p.createdBy));
  }

  /** One programme; one `who` may not see answers 404, as if it did not exist. */
  async get(id: string, who: Principal): Promise<ProgrammeWithVersions> {
    const programme = await this.programmes.get(id);
    if (!programme || !(await this.access.filterOwned(who, [programme], (p) => p.createdBy)).length) throw new LoaError('not_found', 'Không tìm thấy chương trình này.');
    return (await this.withVersions([programme]))[0];
  }

  /**
   * Adds the programme's version in another language, with its own converted audio. The programme's own
   * audio is its Vietnamese version. The slot keeps the time the Vietnamese audio takes on air, so a
   * version may not be longer. Stations with an airing of the programme get a new schedule at once.
   */
  async addVersion(programmeId: string, input: { language: string; mediaAssetId: string }, who: Principal): Promise<ProgrammeVersion> {
    const programme = await this.get(programmeId, who);
    await this.access.requireOwned(who, 'write', programme.createdBy, 'Chỉ đơn vị làm chương trình (hoặc cấp trên của đơn vị đó) mới thêm hoặc xoá bản ngôn ngữ.');
    const code = input.language.trim().toLowerCase();
    if (code === MAIN_LANGUAGE) {
      throw new LoaError('validation_failed', 'Âm thanh chính của chương trình đã là bản tiếng Việt; chỉ thêm bản bằng ngôn ngữ khác.', { field: 'language' });
    }
    const language = await this.languages.require(code);
    if (programme.versions.some((v) => v.language === code)) {
      throw new LoaError('conflict', `Chương trình đã có bản ${language.name}; hãy xoá bản cũ trước khi tải bản mới.`, { field: 'language' });
    }
    const [asset, main] = await Promise.all([this.media.requireReady(input.mediaAssetId), this.media.requireReady(programme.mediaAssetId)]);
    if (asset.durationMs > main.durationMs) {
      throw new LoaError(
        'validation_failed',
        `Bản ${language.name} dài ${clock(asset.durationMs)}, hơn bản tiếng Việt (${clock(main.durationMs)}): giờ phát được dành theo độ dài bản tiếng Việt. Hãy rút ngắn bản này.`,
        { field: 'mediaAssetId' },
      );
    }
    const version = await this.programmes.insertVersion({
      programmeId: programme.id,
      language: code,
      mediaAssetId: asset.id,
      createdBy: who.kind === 'user' ? who.userId : null,
      createdAt: this.clock.nowInstant(),
    });
    await this.republish(programme.id);
    return version;
  }

  /** Removes a language version: the stations that preferred it air the Vietnamese audio (or their next choice). */
  async removeVersion(programmeId: string, language: string, who: Principal): Promise<void> {
    const programme = await this.get(programmeId, who);
    await this.access.requireOwned(who, 'write', programme.createdBy, 'Chỉ đơn vị làm chương trình (hoặc cấp trên của đơn vị đó) mới thêm hoặc xoá bản ngôn ngữ.');
    if (!(await this.programmes.deleteVersion(programme.id, language))) {
      throw new LoaError('not_found', `Chương trình không có bản ngôn ngữ "${language}".`, { field: 'language' });
    }
    await this.republish(programme.id);
  }

  /** The stations that air the programme from now on are sent their schedule again, under a new version. */
  private async republish(programmeId: string): Promise<void> {
    const stationIds = await this.programmes.republishAirings(programmeId, toInstant(this.clock.now() - SNAPSHOT_LOOKBACK_MS));
    if (stationIds.length) this.events.emit({ type: 'schedule.changed', stationIds });
  }

  private async withVersions(programmes: Programme[]): Promise<ProgrammeWithVersions[]> {
    const versions = await this.programmes.versionsOf(programmes.map((p) => p.id));
    return programmes.map((p) => ({ ...p, versions: versions.filter((v) => v.programmeId === p.id) }));
  }
}

/** "m:ss" of a length in milliseconds. */
function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
