import type { AgendaAiring, StationAgenda } from '@loa/api-types';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { canDecline, declineRequest, firstOf, orderRequest } from '../operator';
import CommuneAgenda from './CommuneAgenda.vue';

const NOW = Date.parse('2026-12-05T00:00:00.000Z');

function airing(slotId: string, at: string, over: Partial<AgendaAiring> = {}): AgendaAiring {
  return {
    slotId,
    plannedAt: at,
    startAt: at,
    durationMs: 300_000,
    priority: 'normal',
    source: 'relay',
    startMode: 'hard',
    programmeId: `p-${slotId}`,
    title: `Bản tin ${slotId}`,
    chuyenMuc: 'Cải cách hành chính',
    own: false,
    declined: null,
    ...over,
  };
}

function agenda(over: Partial<StationAgenda> = {}): StationAgenda {
  const a = airing('a', '2026-12-05T23:00:00.000Z', { priority: 'priority' });
  const b = airing('b', '2026-12-05T23:02:00.000Z', { priority: 'priority', startMode: 'soft' });
  return {
    stationId: 's1',
    stationName: 'Đài xã Gio Linh',
    from: '2026-12-05T00:00:00.000Z',
    to: '2026-12-12T00:00:00.000Z',
    airings: [
      airing('n', '2026-12-05T22:30:00.000Z'),
      airing('d', '2026-12-05T22:40:00.000Z', { startAt: null, declined: { by: 'canbo.giolinh', at: '2026-12-05T00:00:00.000Z', reason: 'Trùng giờ họp dân' } }),
      a,
      b,
      airing('k', '2026-12-06T01:00:00.000Z', { priority: 'emergency', source: 'emergency' }),
      airing('o', '2026-12-06T02:00:00.000Z', { own: true, source: 'local' }),
    ],
    clashes: [{ a: { slotId: 'a', at: a.plannedAt }, b: { slotId: 'b', at: b.plannedAt }, order: null }],
    ...over,
  };
}

async function render(props: { agenda: StationAgenda; now: number }): Promise<string> {
  return renderToString(createSSRApp({ render: () => h(CommuneAgenda, props) }));
}

const rowOf = (html: string, slotId: string) => {
  const start = html.indexOf(`data-testid="airing-${slotId}"`);
  return html.slice(start, html.indexOf('</tr>', start));
};

describe('the commune operator’s agenda', () => {
  afterEach(() => setLang('vi'));

  it('marks each item by its priority and origin; only a normal item not yet aired offers "Không phát"', async () => {
    const html = await render({ agenda: agenda(), now: NOW });
    expect(rowOf(html, 'n')).toContain('Thông thường');
    expect(rowOf(html, 'n')).toContain('Cấp trên');
    expect(rowOf(html, 'n')).toContain('data-testid="decline"');
    expect(rowOf(html, 'a')).toContain('Ưu tiên');
    expect(rowOf(html, 'a')).toContain('Bắt buộc phát');
    expect(rowOf(html, 'a')).not.toContain('data-testid="decline"');
    expect(rowOf(html, 'k')).toContain('Khẩn cấp');
    expect(rowOf(html, 'k')).not.toContain('data-testid="decline"');
    expect(rowOf(html, 'o')).toContain('Của xã');
    expect(rowOf(html, 'd')).toContain('Không phát — canbo.giolinh: Trùng giờ họp dân');
    // Times in Vietnam, 24-hour: 22:30 UTC is 05:30 the next morning.
    expect(rowOf(html, 'n')).toContain('05:30:00');
    // Once its time has passed, nothing is left to decline.
    expect(rowOf(await render({ agenda: agenda(), now: Date.parse('2026-12-05T22:31:00.000Z') }), 'n')).not.toContain('data-testid="decline"');
  });

  it('lists a clash with a "Phát trước" choice on each side, and shows the order once chosen', async () => {
    const open = await render({ agenda: agenda(), now: NOW });
    expect(open).toContain('Chương trình ưu tiên trùng giờ');
    expect(open).toContain('data-testid="first-a"');
    expect(open).toContain('data-testid="first-b"');
    expect(open).toContain('Theo quy tắc (chưa chọn)');
    const base = agenda();
    const chosen = agenda({
      airings: base.airings.map((x) => (x.slotId === 'a' ? { ...x, startAt: '2026-12-05T23:07:00.000Z', startMode: 'soft' as const } : x)),
      clashes: [{ ...base.clashes[0], order: { id: 'o1', stationId: 's1', first: base.clashes[0].b, second: base.clashes[0].a, createdAt: '2026-12-05T00:00:00.000Z' } }],
    });
    const html = await render({ agenda: chosen, now: NOW });
    expect(html).not.toContain('data-testid="first-b"');
    expect(html).toContain('data-testid="first-a"');
    expect(html).toContain('data-testid="reset-order"');
    expect(rowOf(html, 'a')).toContain('dời từ 06:00:00 06/12/2026');
    expect(firstOf(chosen.clashes[0])).toBe('b');
  });

  it('says so when nothing is coming and nothing clashes, in English too', async () => {
    setLang('en');
    const html = await render({ agenda: agenda({ airings: [], clashes: [] }), now: NOW });
    expect(html).toContain('Nothing airs in the next 7 days.');
    expect(html).toContain('No priority items overlap.');
  });
});

describe('the requests the commune screen sends', () => {
  it('declines with a reason, never without one', () => {
    const a = airing('n', '2026-12-05T22:30:00.000Z');
    expect(declineRequest(a, 's1', '   ')).toEqual({ error: 'needReason' });
    expect(declineRequest(a, 's1', 'x'.repeat(501))).toEqual({ error: 'needReason' });
    expect(declineRequest(a, 's1', ' Mất điện ')).toEqual({
      path: '/api/slots/n/airings',
      body: { action: 'cancel', occurrenceAt: '2026-12-05T22:30:00.000Z', stationId: 's1', reason: 'Mất điện' },
    });
    expect(canDecline(a, NOW)).toBe(true);
    expect(canDecline({ ...a, priority: 'priority' }, NOW)).toBe(false);
  });

  it('orders two airings by the instants their slots give them', () => {
    expect(orderRequest('s1', { slotId: 'b', at: 'T2' }, { slotId: 'a', at: 'T1' })).toEqual({
      path: '/api/stations/s1/airing-orders',
      body: { firstSlotId: 'b', firstAt: 'T2', secondSlotId: 'a', secondAt: 'T1' },
    });
  });
});
