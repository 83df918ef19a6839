import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { describe, expect, it } from 'vitest';
import ExportButtons from './ExportButtons.vue';

const FORMATS = [
  { ext: 'xlsx', label: 'Excel (XLSX)' },
  { ext: 'pdf', label: 'PDF' },
];
const render = (exporting: boolean) => renderToString(createSSRApp({ render: () => h(ExportButtons, { formats: FORMATS, exporting }, () => h('span', 'Đang hiện 3 dòng')) }));

describe('the export buttons of the logbook and report screens', () => {
  it('offer one button per format the server has, and what the screen adds beside them', async () => {
    const html = await render(false);
    expect(html).toContain('<button type="button" class="secondary" data-testid="export-xlsx">Tải về Excel (XLSX)</button>');
    expect(html).toContain('data-testid="export-pdf"');
    expect(html).toContain('Đang hiện 3 dòng');
    expect(html).not.toContain('disabled');
  });

  it('wait while a file is being made, and say so', async () => {
    const html = await render(true);
    expect(html.match(/disabled/g)).toHaveLength(2);
    expect(html).toContain('Đang chuẩn bị tệp…');
  });
});
