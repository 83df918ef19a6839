import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CCHC_CODE } from '@loa/api-types';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { ChuyenMuc } from './chuyen-muc.entity';
import { ChuyenMucRepository } from './chuyen-muc.repository';

/** The administrative-reform chuyên mục and its topics (Resolution 76/NQ-CP), there from the first start. */
export const CCHC = {
  code: CCHC_CODE,
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

const NATIONWIDE_ONLY = 'Chuyên mục dùng chung cho mọi đơn vị: chỉ quản trị viên cấp cao nhất (không gắn với đơn vị) mới đổi tên hoặc ngừng dùng được.';

@Injectable()
export class ChuyenMucService implements OnApplicationBootstrap {
  constructor(
    private readonly store: ChuyenMucRepository,
    private readonly clock: Clock,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'requireAccess'>,
  ) {}

  /** Chuyên mục are shared by every unit: renaming or retiring one is for an admin bound to no unit. */
  private requireNationwide(who: Principal) {
    return this.access.requireAccess(who, 'write', { kind: 'nationwide' }, NATIONWIDE_ONLY);
  }

  // Each says it is not there before whether the caller may change it: the list is public to everyone signed in.
  async update(id: string, change: { name?: string; deadAirSeconds?: number | null }, who: Principal) {
    let cm = await this.get(id);
    if (change.name !== undefined) await this.requireNationwide(who);
    if (change.name !== undefined) cm = await this.rename(id, change.name);
    if (change.deadAirSeconds !== undefined) cm = await this.setDeadAir(id, change.deadAirSeconds);
    return cm;
  }

  async retireAs(id: string, who: Principal) {
    await this.get(id);
    await this.requireNationwide(who);
    return this.retire(id);
  }

  async renameTopicAs(topicId: string, name: string, who: Principal) {
    await this.getTopic(topicId);
    await this.requireNationwide(who);
    return this.renameTopic(topicId, name);
  }

  async retireTopicAs(topicId: string, who: Principal) {
    await this.getTopic(topicId);
    await this.requireNationwide(who);
    return this.retireTopic(topicId);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (await this.store.byCode(CCHC.code)) return;
    const cm = await this.create(CCHC.name, CCHC.code);
    for (const name of CCHC.topics) await this.addTopic(cm.id, name);
  }

  async create(name: string, code: string, deadAirSeconds: number | null = null) {
    if (await this.store.byName(name.trim())) throw new LoaError('conflict', `Chuyên mục "${name.trim()}" đã có.`);
    if (await this.store.byCode(code)) throw new LoaError('conflict', `Mã chuyên mục "${code}" đã được dùng.`);
    return this.store.insert({ name: name.trim(), code, deadAirSeconds, createdAt: this.clock.nowInstant(), retiredAt: null });
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

  /**
   * A new name for a chuyên mục. Programmes and logbook lines keep the name they were filed under, as
   * printed forms must; a plan target follows the chuyên mục itself.
   */
  async rename(id: string, name: string) {
    const cm = await this.get(id);
    const next = name.trim();
    if (next === cm.name) return cm;
    const other = await this.store.byName(next);
    if (other && other.id !== id) throw new LoaError('conflict', `Chuyên mục "${next}" đã có.`);
    await this.store.rename(id, next);
    return { ...cm, name: next };
  }

  /** No longer offered for new programmes; what was filed under it keeps it. */
  async retire(id: string) {
    const cm = await this.get(id);
    if (cm.code === CCHC.code) throw new LoaError('validation_failed', 'Chuyên mục Cải cách hành chính luôn được dùng, không thể ngừng.');
    if (cm.retiredAt) return cm;
    const at = this.clock.nowInstant();
    await this.store.retire(id, at);
    return { ...cm, retiredAt: at };
  }

  async renameTopic(topicId: string, name: string) {
    const topic = await this.getTopic(topicId);
    const next = name.trim();
    if (next === topic.name) return topic;
    const other = await this.store.topicNamed(topic.chuyenMucId, next);
    if (other && other.id !== topicId) throw new LoaError('conflict', `Chủ đề "${next}" đã có.`);
    await this.store.renameTopic(topicId, next);
    return { ...topic, name: next };
  }

  async retireTopic(topicId: string) {
    const topic = await this.getTopic(topicId);
    if (topic.retiredAt) return topic;
    const at = this.clock.nowInstant();
    await this.store.retireTopic(topicId, at);
    return { ...topic, retiredAt: at };
  }

  private async getTopic(id: string) {
    const topic = await this.store.topic(id);
    if (!topic) throw new LoaError('not_found', 'Không tìm thấy chủ đề này.');
    return topic;
  }

  async addTopic(chuyenMucId: string, name: string) {
    const cm = await this.get(chuyenMucId);
    if (cm.retiredAt) throw new LoaError('validation_failed', 'Chuyên mục này đã ngừng dùng, không thêm chủ đề được.');
    if (await this.store.topicNamed(chuyenMucId, name.trim())) throw new LoaError('conflict', `Chủ đề "${name.trim()}" đã có.`);
    return this.store.insertTopic({ chuyenMucId, name: name.trim(), createdAt: this.clock.nowInstant(), retiredAt: null });
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
    if (topic.retiredAt) throw new LoaError('validation_failed', `Chủ đề "${topic.name}" đã ngừng dùng.`, { field: 'topicId' });
    return { chuyenMucId: cm.id, topicId: topic.id };
  }
}
