import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { nowInstant } from '../common/columns';
import { LoaError } from '../common/errors';
import { MediaService } from '../media/media.service';
import { ChuyenMucService } from './chuyen-muc.service';
import { Programme } from './programme.entity';

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
    @InjectRepository(Programme) private readonly programmes: Repository<Programme>,
    private readonly media: MediaService,
    private readonly chuyenMuc: ChuyenMucService,
  ) {}

  /** The audio must be converted to the broadcast format before it can become a programme. */
  async create(input: NewProgramme, userId: string | null): Promise<Programme> {
    await this.media.requireReady(input.mediaAssetId);
    const link = await this.chuyenMuc.link(input.chuyenMuc, input.topicId);
    return this.programmes.save(
      this.programmes.create({
        title: input.title.trim(),
        chuyenMuc: input.chuyenMuc.trim(),
        chuyenMucId: link.chuyenMucId,
        topicId: link.topicId,
        description: input.description ?? '',
        mediaAssetId: input.mediaAssetId,
        createdBy: userId,
        createdAt: nowInstant(),
      }),
    );
  }

  list(): Promise<Programme[]> {
    return this.programmes.find({ order: { createdAt: 'DESC' } });
  }

  async get(id: string): Promise<Programme> {
    const programme = await this.programmes.findOneBy({ id });
    if (!programme) throw new LoaError('not_found', 'Không tìm thấy chương trình này.');
    return programme;
  }
}
