import type { LanguageView, LogbookLineView, MediaAssetView, ProgrammeView, StationView, UnitView } from '@loa/api-types';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../i18n';
import { languageName, raised, versionChoices, withLanguage, withoutLanguage } from '../languages';
// The screens are rendered, not used: nothing reaches the server.
vi.mock('../api', () => ({ api: vi.fn(), get: vi.fn(), uploadFile: vi.fn(), messageOf: (e: unknown) => String(e), ApiError: class extends Error {} }));
import LogbookTable from './LogbookTable.vue';
import ProgrammeVersions from './ProgrammeVersions.vue';
import StationEditor from './StationEditor.vue';

const render = (component: unknown, props: Record<string, unknown>) => renderToString(createSSRApp({ render: () => h(component as never, props) }));
const languages: LanguageView[] = [
  { code: 'vi', name: 'Tiếng Việt' },
  { code: 'km', name: 'Tiếng Khmer' },
  { code: 'hmn', name: "Tiếng H'Mông" },
  { code: 'khb', name: 'Tiếng Lự' },
];
const programme = (over: Partial<ProgrammeView> = {}): ProgrammeView => ({
  id: 'p1',
  title: 'CCHC tháng 12',
  chuyenMuc: 'Cải cách hành chính',
  description: '',
  mediaAssetId: 'a-vi',
  public: true,
  createdAt: '2026-12-01T00:00:00.000Z',
  versions: [{ id: 'v1', programmeId: 'p1', language: 'km', mediaAssetId: 'a-km', createdAt: '2026-12-01T01:00:00.000Z' }],
  ...over,
});
const asset = (id: string, durationMs: number): MediaAssetView => ({ id, status: 'ready', originalName: `${id}.mp3`, sha256: 'a'.repeat(64), durationMs, progress: 100, error: null });
const assets = new Map([['a-km', asset('a-km', 95_000)]]);

afterEach(() => setLang('vi'));

describe('a station’s language preference, as the console edits it', () => {
  it('adds a language once, prefers one over the one before it, and removes one', () => {
    expect(withLanguage(['km'], 'hmn')).toEqual(['km', 'hmn']);
    expect(withLanguage(['km'], 'km')).toEqual(['km']);
    expect(withLanguage(['km'], '')).toEqual(['km']);
    expect(raised(['km', 'hmn', 'vi'], 'vi')).toEqual(['km', 'vi', 'hmn']);
    expect(raised(['km', 'hmn'], 'km')).toEqual(['km', 'hmn']);
    expect(withoutLanguage(['km', 'hmn'], 'km')).toEqual(['hmn']);
  });

  it('names a language from the server’s list, then from the built-in names, then by its code', () => {
    expect(languageName('khb', languages)).toBe('Tiếng Lự');
    expect(languageName('ede', [])).toBe('Tiếng Ê Đê');
    expect(languageName('xyz', [])).toBe('xyz');
  });

  it('offers a programme versions only in languages it has none in, never Vietnamese', () => {
    expect(versionChoices(languages, programme()).map((l) => l.code)).toEqual(['hmn', 'khb']);
    expect(versionChoices(languages, programme({ versions: undefined })).map((l) => l.code)).toEqual(['km', 'hmn', 'khb']);
  });

  it('the station editor shows the preference in order, with the languages still to add', async () => {
    const station: StationView = {
      id: 's1', unitId: 'cb', name: 'Đài xã Cẩm Bình', code: 'cam-binh', tokenHint: null, hasToken: true, lastSeenAt: null,
      agentVersion: null, agentOutdated: null, enrolledAt: null, languages: ['km', 'vi'],
    };
    const units: UnitView[] = [{ id: 'cb', name: 'Xã Cẩm Bình', parentId: null, kind: 'Xã', code: 'CB' }];
    const html = await render(StationEditor, { station, units, languages });
    const list = html.slice(html.indexOf('data-testid="station-languages"'));
    expect(list).toContain('Ngôn ngữ phát ưu tiên');
    expect(list.indexOf('data-language="km"')).toBeLessThan(list.indexOf('data-language="vi"'));
    expect(list).toContain('Tiếng Khmer');
    expect(list).toContain('<option value="hmn">Tiếng H&#39;Mông (hmn)</option>');
    expect(list).not.toContain('<option value="km">');
    const none = await render(StationEditor, { station: { ...station, languages: [] }, units, languages });
    expect(none).toContain('Chỉ phát tiếng Việt');
  });
});

describe('a programme’s language versions on the programmes screen', () => {
  it('lists the Vietnamese main audio and each version with its length, with removal for those who may change it', async () => {
    const html = await render(ProgrammeVersions, { programme: programme(), assets, languages, canEdit: true });
    expect(html).toContain('Tiếng Việt (âm thanh chính)');
    expect(html).toContain('data-version="km"');
    expect(html).toContain('Tiếng Khmer');
    expect(html).toContain('1 phút 35 giây');
    expect(html).toContain('Xoá bản');
    expect(html).toContain('Thêm bản ngôn ngữ');
  });

  it('offers nothing to change to someone who may not', async () => {
    const html = await render(ProgrammeVersions, { programme: programme(), assets, languages, canEdit: false });
    expect(html).toContain('Tiếng Khmer');
    expect(html).not.toContain('Xoá bản');
    expect(html).not.toContain('Thêm bản ngôn ngữ');
  });

  it('speaks English when asked', async () => {
    setLang('en');
    const html = await render(ProgrammeVersions, { programme: programme(), assets, languages, canEdit: true });
    expect(html).toContain('Vietnamese (main audio)');
    expect(html).toContain('Add a language version');
  });
});

describe('the logbook names the version that aired', () => {
  const line = (id: number, language: string | null | undefined): LogbookLineView => ({
    id, stationId: 's1', stationName: 'Đài xã', programmeTitle: 'CCHC tháng 12', chuyenMuc: 'Cải cách hành chính', topic: null, source: 'relay',
    priority: 'normal', plannedStart: '2026-12-04T22:30:00.000Z', actualStart: null, endedAt: null, durationMs: null, plannedDurationMs: 1000,
    startErrorMs: null, result: 'complete', reason: null, detail: null, revision: 0, recordedBy: 'tự động', language,
  });

  it('on each line that has one, and nothing on a line without', async () => {
    const html = await render(LogbookTable, { lines: [line(1, 'km'), line(2, 'vi'), line(3, null)] });
    expect(html).toContain('data-language="km"');
    expect(html).toContain('Bản Tiếng Khmer');
    expect(html).toContain('Bản Tiếng Việt');
    expect(html.match(/data-testid="line-language"/g)).toHaveLength(2);
  });
});
