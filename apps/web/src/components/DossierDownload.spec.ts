import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { describe, expect, it, vi } from 'vitest';
import { dossierPath } from '../dossier';
import DossierDownload from './DossierDownload.vue';

// The API client reads the browser's session storage when loaded; rendering needs none of it.
vi.mock('../api', () => ({ downloadFile: vi.fn(), serverRoutes: vi.fn(), messageOf: (e: unknown) => String(e) }));

const render = (props: { stationId: string; from: string; to: string }) => renderToString(createSSRApp({ render: () => h(DossierDownload, props) }));

describe('the "Tải hồ sơ" button on the logbook screen', () => {
  it('asks for the station and the chosen days, the last one included, in Vietnam’s time', () => {
    expect(dossierPath({ stationId: 's1', from: '2026-01-01', to: '2026-03-31', audioLinks: false })).toBe(
      '/api/logbook/dossier?stationId=s1&from=2025-12-31T17%3A00%3A00.000Z&to=2026-03-31T17%3A00%3A00.000Z',
    );
    expect(dossierPath({ stationId: '', from: '2026-01-01', to: '2026-03-31', audioLinks: true })).toBe(
      '/api/logbook/dossier?from=2025-12-31T17%3A00%3A00.000Z&to=2026-03-31T17%3A00%3A00.000Z&audio=links',
    );
  });

  it('is not offered until both days are chosen, and says why', async () => {
    expect(dossierPath({ stationId: 's1', from: '2026-01-01', to: '', audioLinks: false })).toBeNull();
    const html = await render({ stationId: 's1', from: '2026-01-01', to: '' });
    expect(html).toMatch(/<button[^>]*disabled[^>]*data-testid="dossier-download"[^>]*>Tải hồ sơ<\/button>/);
    expect(html).toContain('Chọn &quot;Từ ngày&quot; và &quot;Đến ngày&quot; để tải hồ sơ tuyên truyền của kỳ đó.');
  });

  it('is ready once the period is chosen', async () => {
    const html = await render({ stationId: 's1', from: '2026-01-01', to: '2026-03-31' });
    expect(html).toMatch(/<button type="button" data-testid="dossier-download">Tải hồ sơ<\/button>/);
    expect(html).not.toContain('dossier-needs-period');
    expect(html).toContain('Âm thanh chỉ gồm danh sách (không kèm tệp)');
  });
});
