import type { HolidayView, StationView, UnitView } from '@loa/api-types';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../i18n';
// The screens are rendered, not used: nothing reaches the server.
vi.mock('../api', () => ({ api: vi.fn(), messageOf: (e: unknown) => String(e), ApiError: class extends Error {} }));
import DaysOffPanel from './DaysOffPanel.vue';
import StationEditor from './StationEditor.vue';
import UnitsPanel from './UnitsPanel.vue';

const render = (component: unknown, props: Record<string, unknown>) => renderToString(createSSRApp({ render: () => h(component as never, props) }));
const unit = (id: string, name: string, parentId: string | null, over: Partial<UnitView> = {}): UnitView => ({ id, name, parentId, kind: 'Xã', code: id.toUpperCase(), ...over });
const units = [
  unit('ht', 'Tỉnh Hà Tĩnh', null, { kind: 'Tỉnh' }),
  unit('cb', 'Xã Cẩm Bình', 'ht'),
  unit('cv', 'Xã Cẩm Vịnh', 'ht', { retiredAt: '2025-07-01T00:00:00.000Z', mergedIntoId: 'cb' }),
];

afterEach(() => setLang('vi'));

describe('the units screen', () => {
  it('shows the tree indented, a merged commune as merged into its successor, and no actions on it', async () => {
    const html = await render(UnitsPanel, { units });
    const row = (code: string) => html.slice(html.indexOf(`data-unit="${code}"`), html.indexOf('</tr>', html.indexOf(`data-unit="${code}"`)));
    expect(row('CB')).toContain('padding-left:1.75rem');
    expect(row('CV')).toContain('Đã sáp nhập vào Xã Cẩm Bình');
    expect(row('CV')).not.toContain('Đổi tên');
    for (const action of ['Đổi tên', 'Chuyển đến', 'Sáp nhập vào', 'Giải thể']) expect(row('CB')).toContain(action);
    expect(html).toContain('Nhập cây đơn vị từ tệp CSV');
    expect(html).toContain('code,name,level,parent code');
  });

  it('speaks English when asked', async () => {
    setLang('en');
    const html = await render(UnitsPanel, { units });
    expect(html).toContain('Merged into Xã Cẩm Bình');
    expect(html).toContain('Import the unit tree from CSV');
  });
});

const station = (over: Partial<StationView> = {}): StationView => ({
  id: 's1',
  unitId: 'cb',
  name: 'Đài xã Cẩm Bình',
  code: 'cam-binh',
  tokenHint: 'loa_st_abcd',
  hasToken: true,
  lastSeenAt: null,
  agentVersion: null,
  agentOutdated: null,
  enrolledAt: null,
  disabledAt: null,
  quietStart: '21:00',
  quietEnd: '06:00',
  ...over,
});

describe('the station editor', () => {
  it('offers the station’s name, a live unit to move it to, its quiet hours, and to disable it', async () => {
    const html = await render(StationEditor, { station: station(), units });
    expect(html).toContain('value="Đài xã Cẩm Bình"');
    expect(html).toContain('value="21:00"');
    expect(html).toContain('value="06:00"');
    expect(html).toContain('Xã · Xã Cẩm Bình');
    expect(html).not.toContain('Xã Cẩm Vịnh');
    expect(html).toContain('Ngừng hoạt động');
    expect(html).toContain('chỉ chương trình khẩn cấp');
  });

  it('offers to re-enable a disabled station', async () => {
    const html = await render(StationEditor, { station: station({ disabledAt: '2026-12-01T00:00:00.000Z', quietStart: null, quietEnd: null }), units });
    expect(html).toContain('Hoạt động lại');
    expect(html).not.toContain('value="21:00"');
  });
});

describe('the holidays screen', () => {
  const days: HolidayView[] = [
    { date: '2027-02-06', name: 'Tết Nguyên Đán', kind: 'public' },
    { id: 'd1', date: '2027-02-10', name: 'Nghỉ bù Tết', kind: 'declared' },
  ];

  it('lists the year’s public holidays and declared days off, with removal only for declared ones', async () => {
    const html = await render(DaysOffPanel, { year: 2027, days });
    expect(html).toContain('Năm 2027');
    expect(html).toContain('06/02/2027');
    expect(html).toContain('Tết Nguyên Đán');
    expect(html).toContain('Ngày lễ theo luật');
    const declared = html.slice(html.indexOf('data-kind="declared"'));
    expect(declared).toContain('Ngày nghỉ được công bố');
    expect(declared).toContain('Xoá');
    const publicRow = html.slice(html.indexOf('data-kind="public"'), html.indexOf('data-kind="declared"'));
    expect(publicRow).not.toContain('Xoá');
  });

  it('says when a year has none', async () => {
    expect(await render(DaysOffPanel, { year: 2031, days: [] })).toContain('Không có ngày nghỉ nào trong năm này.');
  });
});
