import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { ChuyenMuc, Topic } from './chuyen-muc.entity';

/** The administrative-reform chuyên mục and its topics (Resolution 76/NQ-CP), there from the first start. */
export const CCHC = {
  code: 'CCHC',
  name: 'Cải cách hành chính',
  topics: [
    'Cải cách thể chế',
    'Cải cách thủ tục hành chính',
    'Cải cách tổ chức bộ máy',
    'Cải cách chế độ công vụ',
    'Cải cách tài chính công',
    'Chính phủ điện tử, Chính phủ số',
  ],
};

@Injectable()
export class ChuyenMucService implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.db.getRepository(ChuyenMuc).existsBy({ code: CCHC.code })) return;
    const cm = await this.create(CCHC.name, CCHC.code);
    for (const name of CCHC.topics) await this.addTopic(cm.id, name);
  }

  async create(name: string, code: string, deadAirSeconds: number | null = null) {
    const repo = this.db.getRepository(ChuyenMuc);
    if (await repo.existsBy({ name: name.trim() })) throw new LoaError('conflict', `Chuyên mục "${name.trim()}" đã có.`);
    if (await repo.existsBy({ code })) throw new LoaError('conflict', `Mã chuyên mục "${code}" đã được dùng.`);
    return repo.save(repo.create({ name: name.trim(), code, deadAirSeconds, createdAt: this.clock.nowInstant() }));
  }

  /**
   * Sets how long silence may last in this chuyên mục's programmes before it is dead air (null: the
   * station's default). Stations take it with the next schedule they receive.
   */
  async setDeadAir(id: string, deadAirSeconds: number | null) {
    const cm = await this.get(id);
    cm.deadAirSeconds = deadAirSeconds;
    return this.db.getRepository(ChuyenMuc).save(cm);
  }

  async addTopic(chuyenMucId: string, name: string) {
    await this.get(chuyenMucId);
    const repo = this.db.getRepository(Topic);
    if (await repo.existsBy({ chuyenMucId, name: name.trim() })) throw new LoaError('conflict', `Chủ đề "${name.trim()}" đã có.`);
    return repo.save(repo.create({ chuyenMucId, name: name.trim(), createdAt: this.clock.nowInstant() }));
  }

  async list() {
    const [all, topics] = await Promise.all([
      this.db.getRepository(ChuyenMuc).find({ order: { name: 'ASC' } }),
      this.db.getRepository(Topic).find({ order: { name: 'ASC' } }),
    ]);
    return all.map((c) => ({ ...c, topics: topics.filter((t) => t.chuyenMucId === c.id) }));
  }

  async get(id: string): Promise<ChuyenMuc> {
    const cm = await this.db.getRepository(ChuyenMuc).findOneBy({ id });
    if (!cm) throw new LoaError('not_found', 'Không tìm thấy chuyên mục này.');
    return cm;
  }

  /** The chuyên mục a programme names, if it is one of ours; and the topic, which must belong to it. */
  async link(name: string, topicId: string | undefined): Promise<{ chuyenMucId: string | null; topicId: string | null }> {
    const all = await this.db.getRepository(ChuyenMuc).find();
    const cm = all.find((c) => c.name.toLocaleLowerCase('vi') === name.trim().toLocaleLowerCase('vi') || c.code === name.trim());
    if (!topicId) return { chuyenMucId: cm?.id ?? null, topicId: null };
    const topic = await this.db.getRepository(Topic).findOneBy({ id: topicId });
    if (!topic || topic.chuyenMucId !== cm?.id) throw new LoaError('validation_failed', 'Chủ đề không thuộc chuyên mục đã chọn.', { field: 'topicId' });
    return { chuyenMucId: cm.id, topicId: topic.id };
  }
}
