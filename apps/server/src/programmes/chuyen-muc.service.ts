import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { ChuyenMuc } from './chuyen-muc.entity';
import { ChuyenMucRepository } from './chuyen-muc.repository';

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
    private readonly store: ChuyenMucRepository,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.store.byCode(CCHC.code)) return;
    const cm = await this.create(CCHC.name, CCHC.code);
    for (const name of CCHC.topics) await this.addTopic(cm.id, name);
  }

  async create(name: string, code: string, deadAirSeconds: number | null = null) {
    if (await this.store.byName(name.trim())) throw new LoaError('conflict', `Chuyên mục "${name.trim()}" đã có.`);
    if (await this.store.byCode(code)) throw new LoaError('conflict', `Mã chuyên mục "${code}" đã được dùng.`);
    return this.store.insert({ name: name.trim(), code, deadAirSeconds, createdAt: this.clock.nowInstant() });
  }

  /**
   * Sets how long silence may last in this chuyên mục's programmes before it is dead air (null: the
   * station's default). Stations take it with the next schedule they receive.
   */
  async setDeadAir(id: string, deadAirSeconds: number | null) {
    const cm = await this.get(id);
    await this.store.setDeadAir(cm.id, deadAirSeconds);
    return { ...cm, deadAirSeconds };
  }

  async addTopic(chuyenMucId: string, name: string) {
    await this.get(chuyenMucId);
    if (await this.store.topicNamed(chuyenMucId, name.trim())) throw new LoaError('conflict', `Chủ đề "${name.trim()}" đã có.`);
    return this.store.insertTopic({ chuyenMucId, name: name.trim(), createdAt: this.clock.nowInstant() });
  }

  async list() {
    const [all, topics] = await Promise.all([this.store.all(), this.store.topics()]);
    return all.map((c) => ({ ...c, topics: topics.filter((t) => t.chuyenMucId === c.id) }));
  }

  async get(id: string): Promise<ChuyenMuc> {
    const cm = await this.store.get(id);
    if (!cm) throw new LoaError('not_found', 'Không tìm thấy chuyên mục này.');
    return cm;
  }

  /** The chuyên mục a programme names, if it is one of ours; and the topic, which must belong to it. */
  async link(name: string, topicId: string | undefined): Promise<{ chuyenMucId: string | null; topicId: string | null }> {
    const all = await this.store.all();
    const cm = all.find((c) => c.name.toLocaleLowerCase('vi') === name.trim().toLocaleLowerCase('vi') || c.code === name.trim());
    if (!topicId) return { chuyenMucId: cm?.id ?? null, topicId: null };
    const topic = await this.store.topic(topicId);
    if (!topic || topic.chuyenMucId !== cm?.id) throw new LoaError('validation_failed', 'Chủ đề không thuộc chuyên mục đã chọn.', { field: 'topicId' });
    return { chuyenMucId: cm.id, topicId: topic.id };
  }
}
