import { FailureReason } from '@loa/protocol';
import { LOGBOOK_RESULTS, LOGBOOK_SOURCES, REASON_LABELS, RESULT_LABELS, SERVER_MISS_REASONS, SOURCE_LABELS, type LogbookLineView } from '@loa/api-types';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { describe, expect, it } from 'vitest';
import LogbookTable from './LogbookTable.vue';

function line(id: number, over: Partial<LogbookLineView>): LogbookLineView {
  return {
    id,
    stationId: 's1',
    stationName: 'Đài truyền thanh xã Cẩm Bình',
    programmeTitle: 'Chuyên mục CCHC tháng 11',
    chuyenMuc: 'Cải cách hành chính',
    topic: null,
    source: 'relay',
    priority: 'normal',
    plannedStart: '2026-12-04T22:30:00.000Z',
    actualStart: '2026-12-04T22:30:00.004Z',
    endedAt: '2026-12-04T22:30:13.834Z',
    durationMs: 13_830,
    plannedDurationMs: 600_033,
    startErrorMs: 4.2,
    result: 'complete',
    reason: null,
    detail: null,
    revision: 0,
    recordedBy: 'tự động',
    ...over,
  };
}

const render = (lines: LogbookLineView[]) => renderToString(createSSRApp({ render: () => h(LogbookTable, { lines }) }));

describe('the logbook table', () => {
  it('shows what the station’s capture said of each airing: verdict, coverage and dead air', async () => {
    const html = await render([
      line(1, { airVerdict: 'confirmed', airConfirmedMs: 13_000, airCoveragePct: 94, airOffsetMs: 12, deadAirMs: null }),
      line(2, { airVerdict: 'not_confirmed', airConfirmedMs: 0, airCoveragePct: 0, airOffsetMs: null, deadAirMs: 9000 }),
      line(3, { airVerdict: 'no_capture', airConfirmedMs: 0, airCoveragePct: 0, airOffsetMs: null }),
      line(4, {}),
    ]);
    expect(html).toContain('Xác nhận phát sóng');
    expect(html).toContain('nghe thấy 94% (13 giây)');
    expect(html).toContain('Không xác nhận');
    expect(html).toContain('lặng sóng 9 giây');
    expect(html).toContain('Không có thiết bị thu');
    expect(html.match(/data-testid="air-verdict"/g)).toHaveLength(3);
    expect(html.match(/data-testid="air-coverage"/g)).toHaveLength(2);
  });

  it('renders a line of every result, every source and every reason the server knows', async () => {
    const lines = [
      ...LOGBOOK_RESULTS.map((result, i) => line(i + 1, { result })),
      ...LOGBOOK_SOURCES.map((source, i) => line(100 + i, { source })),
      ...FailureReason.options.map((reason, i) => line(200 + i, { result: 'failed', reason, detail: null })),
      ...SERVER_MISS_REASONS.map((reason, i) => line(300 + i, { result: 'missed', reason, detail: null })),
    ];
    const html = await render(lines);
    for (const r of LOGBOOK_RESULTS) expect(html).toContain(RESULT_LABELS[r]);
    for (const s of LOGBOOK_SOURCES) expect(html).toContain(SOURCE_LABELS[s]);
    for (const r of [...FailureReason.options, ...SERVER_MISS_REASONS]) expect(html).toContain(REASON_LABELS[r]);
    expect(html.match(/data-testid="result"/g)).toHaveLength(lines.length);
  });

  it('shows the line an emergency cut: result, time on air, and the reason said once', async () => {
    const html = await render([
      line(1, { result: 'interrupted', reason: 'preempted', detail: 'Bị ngắt bởi phát trực tiếp: "Khẩn cấp: bão số 9".', durationMs: 13_830 }),
    ]);
    expect(html).toContain('Bị ngắt bởi khẩn cấp');
    expect(html).toContain('13,8 giây');
    expect(html).toContain('05:30:00 05/12/2026');
    expect(html.match(/Bị ngắt bởi phát trực tiếp/g)).toHaveLength(1);
    expect(html).not.toContain('Bị ngắt bởi thông báo khẩn cấp (');
  });

  it('still renders a line whose values this console has never heard of', async () => {
    const strange = line(1, { result: 'rerouted' as LogbookLineView['result'], source: 'satellite' as LogbookLineView['source'], reason: 'overheated', detail: null });
    const html = await render([strange]);
    expect(html).toContain('Khác (rerouted)');
    expect(html).toContain('Khác (satellite)');
    expect(html).toContain('overheated');
  });
});
