import { ALERT_KIND_LABELS, ALERT_KINDS, type AlertView, type StationHealthView } from '@loa/api-types';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import AlertBell from './AlertBell.vue';
import StationHealth from './StationHealth.vue';

function alert(id: string, over: Partial<AlertView> = {}): AlertView {
  return {
    id,
    kind: 'station_offline',
    severity: 'critical',
    state: 'open',
    stationId: 's1',
    stationName: 'Đài truyền thanh xã Cẩm Bình',
    unitId: 'u1',
    title: 'Trạm Đài truyền thanh xã Cẩm Bình mất kết nối khi đến giờ phát',
    detail: 'Đến giờ phát "Chuyên mục CCHC" (05:30 05/12) nhưng phần mềm trạm không kết nối với máy chủ.',
    since: '2026-12-04T22:30:00.000Z',
    firedAt: '2026-12-04T22:32:00.000Z',
    resolvedAt: null,
    ...over,
  };
}

function health(over: Partial<StationHealthView> = {}): StationHealthView {
  return {
    stationId: 's1',
    stationName: 'Đài truyền thanh xã Cẩm Bình',
    connected: true,
    lastSeenAt: '2026-12-04T22:29:50.000Z',
    agentVersion: '0.1.0',
    agentOutdated: false,
    output: { device: 'hw:1,0', ok: true, checkedAt: '2026-12-04T22:25:00.000Z', error: null },
    health: {
      clockOffsetMs: -742,
      clockRoundTripMs: 18,
      diskFreeBytes: 3.5 * 1024 ** 3,
      diskTotalBytes: 14.6 * 1024 ** 3,
      lookaheadHours: 48,
      missing: [{ sha256: 'a'.repeat(64), neededAt: '2026-12-05T09:30:00.000Z', title: 'Tin CCHC tháng 12' }],
      agentUptimeS: 3 * 3600 + 12 * 60,
      systemUptimeS: 9 * 86_400 + 5 * 3600,
      temperatureC: 61.8,
      measuredAt: '2026-12-04T22:29:45.000Z',
    },
    clockDriftLimitMs: 500,
    clockDrift: true,
    cacheReady: false,
    alerts: [alert('a1', { kind: 'clock_drift', severity: 'warning', title: 'Đồng hồ của trạm lệch 742 ms so với máy chủ' })],
    ...over,
  };
}

const render = (component: unknown, props: Record<string, unknown>) => renderToString(createSSRApp({ render: () => h(component as never, props) }));

afterEach(() => setLang('vi'));

describe('the station health panel', () => {
  it('shows clock drift as an alarm, free disk, the missing files with their air time, uptimes, temperature and open alerts', async () => {
    const html = await render(StationHealth, { health: health() });
    expect(html).toContain('lệch -742 ms');
    expect(html).toContain('lệch quá 500 ms');
    expect(html).toContain('3,5 GB / 14,6 GB');
    expect(html).toContain('Còn thiếu 1 tệp');
    expect(html).toContain('Tin CCHC tháng 12 — phát lúc 16:30:00 05/12/2026');
    expect(html).toContain('phần mềm 3 giờ 12 phút; máy 9 ngày 5 giờ');
    expect(html).toContain('61,8 °C');
    expect(html).toContain('Hoạt động (hw:1,0)');
    expect(html).toContain('Lệch đồng hồ');
  });

  it('says a box without a sensor has none, a clock within the limit raises nothing, and a failed output is an alarm', async () => {
    const base = health();
    const html = await render(StationHealth, {
      health: health({
        clockDrift: false,
        alerts: [],
        output: { device: 'hw:1,0', ok: false, checkedAt: base.output!.checkedAt, error: 'Không mở được thiết bị âm thanh: No such device' },
        health: { ...base.health!, clockOffsetMs: 120, temperatureC: null, missing: [] },
      }),
    });
    expect(html).toContain('máy không có cảm biến');
    expect(html).toContain('Đã tải đủ');
    expect(html).not.toContain('lệch quá');
    expect(html).toContain('Hỏng: Không mở được thiết bị âm thanh: No such device');
  });

  it('tells an old agent that sent no report apart from a healthy one', async () => {
    const html = await render(StationHealth, { health: health({ health: null, alerts: [], agentOutdated: true, agentVersion: '0.0.9' }) });
    expect(html).toContain('Trạm chưa gửi báo cáo tình trạng');
    expect(html).toContain('0.0.9');
    expect(html).not.toContain('Đồng hồ so với máy chủ');
  });
});

describe('the alert bell', () => {
  it('counts the open alerts and names every kind the server knows, in Vietnamese and in English', async () => {
    const alerts = ALERT_KINDS.map((kind, i) => alert(`a${i}`, { kind }));
    const html = await render(AlertBell, { alerts });
    expect(html).toContain(`data-testid="alert-count">${ALERT_KINDS.length}<`);
    for (const kind of ALERT_KINDS) expect(html).toContain(ALERT_KIND_LABELS[kind]);
    expect(html.match(/data-testid="alert-item"/g)).toHaveLength(ALERT_KINDS.length);
    expect(html).toContain('từ 05:30:00 05/12/2026');
    setLang('en');
    const en = await render(AlertBell, { alerts: [alert('x', { kind: 'disk_low', severity: 'warning' })] });
    expect(en).toContain('Disk nearly full');
    expect(en).toContain('Warning');
  });

  it('shows no count and says there is nothing open', async () => {
    const html = await render(AlertBell, { alerts: [] });
    expect(html).not.toContain('alert-count');
    expect(html).toContain('Không có cảnh báo nào đang mở.');
  });
});
