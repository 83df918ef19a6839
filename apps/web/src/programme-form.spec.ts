import type { ChuyenMucView, UnitView } from '@loa/api-types';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, describe, expect, it, vi } from 'vitest';
// The screen is rendered, not used: nothing reaches the server.
vi.mock('./api', () => ({ api: vi.fn(), get: vi.fn(), uploadFile: vi.fn(), fetchBlob: vi.fn(), messageOf: (e: unknown) => String(e), ApiError: class extends Error {} }));
import { chuyenMucCodeOf, isUpperLevel, programmeRequest, suggestedPublic } from './programme-form';
import { user } from './session';
import ProgrammesView from './views/ProgrammesView.vue';

const chuyenMuc = [
  { name: 'Cải cách hành chính', code: 'CCHC' },
  { name: 'Thông báo của xã', code: 'TBX' },
  { name: 'Thông báo khẩn cấp', code: 'KC' },
] as Pick<ChuyenMucView, 'name' | 'code'>[];
const units = [
  { id: 'tinh', parentId: null },
  { id: 'xa-a', parentId: 'tinh' },
] as Pick<UnitView, 'id' | 'parentId'>[];
const commune = { unitId: 'xa-a' };
const province = { unitId: 'tinh' };

afterEach(() => {
  user.value = null;
});

describe('the upload form’s "Nghe lại công khai" box', () => {
  it('starts ticked for a CCHC programme and for an upper level’s, unticked for a commune’s own notice and for khẩn cấp', () => {
    expect(suggestedPublic('Cải cách hành chính', chuyenMuc, commune, units)).toBe(true);
    expect(suggestedPublic('  cải cách hành chính ', chuyenMuc, commune, units)).toBe(true);
    expect(suggestedPublic('CCHC', chuyenMuc, commune, units)).toBe(true);
    expect(suggestedPublic('Thông báo của xã', chuyenMuc, commune, units)).toBe(false);
    expect(suggestedPublic('Thông báo của xã', chuyenMuc, province, units)).toBe(true);
    expect(suggestedPublic('Thông báo của xã', chuyenMuc, { unitId: null }, units)).toBe(true);
    expect(suggestedPublic('Thông báo khẩn cấp', chuyenMuc, province, units)).toBe(false);
    expect(suggestedPublic('Thông báo khẩn cấp', chuyenMuc, { unitId: null }, units)).toBe(false);
  });

  it('tells an upper level by the units below it and a chuyên mục by its name or code', () => {
    expect(isUpperLevel(null, units)).toBe(false);
    expect(isUpperLevel(province, units)).toBe(true);
    expect(isUpperLevel(commune, units)).toBe(false);
    expect(chuyenMucCodeOf('thông báo của xã', chuyenMuc)).toBe('TBX');
    expect(chuyenMucCodeOf('Chuyên mục mới', chuyenMuc)).toBeNull();
  });

  it('sends the choice with the new programme, ticked or not', () => {
    const form = { title: ' Bản tin ', chuyenMuc: 'Cải cách hành chính ', description: '', mediaAssetId: 'm1' };
    expect(programmeRequest({ ...form, public: false })).toEqual({ title: 'Bản tin', chuyenMuc: 'Cải cách hành chính', description: undefined, mediaAssetId: 'm1', public: false });
    expect(programmeRequest({ ...form, public: true }).public).toBe(true);
  });

  it('is on the form, ticked for an account of no unit', async () => {
    user.value = { id: 'u1', username: 'admin', displayName: 'Quản trị', role: 'admin', unitId: null };
    const html = await renderToString(createSSRApp({ render: () => h(ProgrammesView) }));
    expect(html).toMatch(/<input type="checkbox" name="public"[^>]*checked[^>]*data-testid="upload-public"/);
    expect(html).toContain('Nghe lại công khai');
  });
});
