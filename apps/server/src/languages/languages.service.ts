import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SEEDED_LANGUAGES } from '@loa/api-types';
import { LANGUAGE_CODE } from '@loa/protocol';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { Language } from './language.entity';
import { LanguagesRepository } from './languages.repository';


/** At most this many languages in a station's preference. */
export const MAX_PREFERENCE = 10;

@Injectable()
export class LanguagesService implements OnApplicationBootstrap {
  constructor(
    private readonly store: LanguagesRepository,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const at = this.clock.nowInstant();
    await this.store.insertMissing(SEEDED_LANGUAGES.map((l) => ({ ...l, createdAt: at })));
  }

  list(): Promise<Language[]> {
    return this.store.all();
  }

  /** A new language: its code must be an ISO 639 code not yet used, its name not empty. */
  async create(code: string, name: string): Promise<Language> {
    const c = code.trim().toLowerCase();
    const n = name.trim();
    if (!LANGUAGE_CODE.test(c)) throw new LoaError('validation_failed', 'Mã ngôn ngữ phải là mã ISO 639 gồm 2–3 chữ thường, ví dụ "km" (Khmer) hoặc "hmn" (H\'Mông).', { field: 'code' });
    if (!n || n.length > 100) throw new LoaError('validation_failed', 'Tên ngôn ngữ không được để trống và dài tối đa 100 ký tự.', { field: 'name' });
    const existing = await this.store.get(c);
    if (existing) throw new LoaError('conflict', `Mã ngôn ngữ "${c}" đã có (${existing.name}).`, { field: 'code' });
    if ((await this.store.all()).some((l) => l.name.toLocaleLowerCase('vi') === n.toLocaleLowerCase('vi'))) {
      throw new LoaError('conflict', `Ngôn ngữ "${n}" đã có.`, { field: 'name' });
    }
    return this.store.insert({ code: c, name: n, createdAt: this.clock.nowInstant() });
  }

  /** The language named by `code`, or 404 in words an operator understands. */
  async require(code: string): Promise<Language> {
    const found = LANGUAGE_CODE.test(code) ? await this.store.get(code) : null;
    if (!found) throw new LoaError('not_found', `Không có ngôn ngữ mã "${code}". Xem danh sách ngôn ngữ hoặc nhờ quản trị thêm.`, { field: 'language' });
    return found;
  }

  /**
   * A station's preference as given: known codes, each once, at most MAX_PREFERENCE of them. Vietnamese
   * may be in it (it ranks the languages after it below the programme's own audio).
   */
  async checkPreference(codes: readonly string[]): Promise<string[]> {
    if (codes.length > MAX_PREFERENCE) throw new LoaError('validation_failed', `Chỉ chọn tối đa ${MAX_PREFERENCE} ngôn ngữ ưu tiên.`, { field: 'languages' });
    if (new Set(codes).size !== codes.length) throw new LoaError('validation_failed', 'Mỗi ngôn ngữ chỉ chọn một lần trong thứ tự ưu tiên.', { field: 'languages' });
    const known = new Set((await this.store.all()).map((l) => l.code));
    const unknown = codes.filter((c) => !known.has(c));
    if (unknown.length) throw new LoaError('validation_failed', `Không có ngôn ngữ mã ${unknown.map((c) => `"${c}"`).join(', ')}.`, { field: 'languages', unknown });
    return [...codes];
  }
}
