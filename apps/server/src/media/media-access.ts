import { Injectable } from '@nestjs/common';
import { toInstant } from '@loa/protocol';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { MediaAsset } from './media-asset.entity';
import { MediaRepository } from './media.repository';
import { MediaJobsService } from './media-jobs.service';
import { type BroadcastFile, MediaService } from './media.service';

const NOT_FOUND = 'Không tìm thấy tệp âm thanh này.';

/** How long after its last airing a station may still fetch a file (to finish a late download). */
const AGENT_MEDIA_GRACE_MS = 6 * 3600 * 1000;

/**
 * Uploaded audio as people see it: an asset belongs to the unit of whoever uploaded it, and the access
 * policy decides who reads or cancels it. An agent reaches only the broadcast files its station airs.
 */
@Injectable()
export class MediaAccess {
  constructor(
    private readonly media: MediaService,
    private readonly access: AccessPolicy,
    private readonly db: MediaRepository,
    private readonly jobs: MediaJobsService,
    private readonly clock: Clock,
  ) {}

  async list(who: Principal): Promise<MediaAsset[]> {
    return this.access.filterOwned(who, await this.media.list(), (a) => a.createdBy);
  }

  /** One asset; one `who` may not read answers 404, as if it did not exist. */
  async get(id: string, who: Principal): Promise<MediaAsset> {
    const asset = await this.media.get(id);
    if (!(await this.access.filterOwned(who, [asset], (a) => a.createdBy)).length) throw new LoaError('not_found', NOT_FOUND, { id });
    return asset;
  }

  /** Only the uploader, or someone whose unit reaches the uploader's, stops a conversion. */
  async cancel(id: string, who: Principal): Promise<MediaAsset> {
    const asset = await this.get(id, who);
    await this.access.requireOwned(who, 'write', asset.createdBy, 'Bạn chỉ huỷ được việc chuyển đổi tệp do mình hoặc đơn vị mình tải lên.');
    return this.jobs.cancel(id);
  }

  /**
   * Refuses (404) a broadcast file that `who` can reach through no asset and no programme: the hash of
   * another commune's audio is not a key to it.
   */
  async requireFile(sha256: string, who: Principal): Promise<void> {
    if ((await this.access.reach(who)).all) return;
    const assets = await this.db.uploadersOfSha(sha256);
    if ((await this.access.filterOwned(who, assets, (a) => a.createdBy)).length) return;
    const programmes = await this.db.programmesOf(assets.map((a) => a.id));
    if ((await this.access.filterOwned(who, programmes, (p) => p.createdBy)).length) return;
    throw new LoaError('not_found', NOT_FOUND, { sha256 });
  }

  /**
   * The broadcast file to download, or 404: a station's agent gets only what a slot on its own station
   * airs (or aired a little while ago); a person, what `requireFile` allows.
   */
  async download(sha256: string, who: Principal): Promise<BroadcastFile> {
    if (who.kind === 'user') {
      await this.requireFile(sha256, who);
    } else {
      const since = toInstant(this.clock.now() - AGENT_MEDIA_GRACE_MS);
      if (!(await this.media.stationMayRead(who.stationId, sha256, since))) throw new LoaError('not_found', 'Trạm không có lịch phát nào dùng tệp này.');
    }
    return this.media.fileFor(sha256);
  }
}
