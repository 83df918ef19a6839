import type { CalendarLinkView, ChainVerifyView, ChuyenMucView, ComplianceView, LogbookLineView, PlanTargetView, StationView, UnitView } from '@loa/api-types';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from './i18n';
// The screens are rendered, not used: nothing reaches the server.
vi.mock('./api', () => ({ api: vi.fn(), get: vi.fn(), messageOf: (e: unknown) => String(e), ApiError: class extends Error {} }));
import { calendarAddress, complianceRange, enrolmentState, monthOf, parseLufs, planTargetBody, shortFingerprint } from './catalog-forms';
import CalendarLinks from './components/CalendarLinks.vue';
import ChainCheck from './components/ChainCheck.vue';
import ChuyenMucPanel from './components/ChuyenMucPanel.vue';
import LogbookCorrection from './components/LogbookCorrection.vue';
import LogbookTable from './components/LogbookTable.vue';
import PlanTargetsPanel from './components/PlanTargetsPanel.vue';
import SpeakerClusters from './components/SpeakerClusters.vue';
import StationDetails from './components/StationDetails.vue';

const render = (component: unknown, props: Record<string, unknown>) => renderToString(createSSRApp({ render: () => h(component as never, props) }));
const between = (html: string, marker: string, end = '</section>') => html.slice(html.indexOf(marker), html.indexOf(end, html.indexOf(marker)));

afterEach(() => setLang('vi'));

const cchc: ChuyenMucView = {
  id: 'cm1',
  name: 'Cải cách hành chính',
  code: 'CCHC',
  deadAirSeconds: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  retiredAt: null,
  topics: [
    { id: 't1', chuyenMucId: 'cm1', name: 'Cải cách thể chế', createdAt: '2026-01-01T00:00:00.000Z', retiredAt: null },
    { id: 't2', chuyenMucId: 'cm1', name: 'Chính phủ điện tử', createdAt: '2026-01-01T00:00:00.000Z', retiredAt: '2026-03-01T00:00:00.000Z' },
  ],
};
const old: ChuyenMucView = { ...cchc, id: 'cm2', name: 'Thời sự cũ', code: 'TS', retiredAt: '2026-02-01T00:00:00.000Z', topics: [] };

describe('the chuyên mục screen', () => {
  it('lists each chuyên mục with its loudness target and topics; CCHC cannot be retired, a retired one offers nothing', async () => {
    const html = await render(ChuyenMucPanel, { chuyenMuc: [cchc, old], loudness: [{ chuyenMuc: 'Cải cách hành chính', targetLufs: -23, updatedBy: null, updatedAt: '' }] });
    const live = between(html, 'data-chuyen-muc="CCHC"');
    expect(live).toContain('Đang dùng');
    expect(live).toContain('value="-23"');
    expect(live).toContain('Đổi tên');
    expect(live).not.toContain('data-testid="retire-chuyen-muc"');
    expect(live).toContain('Thêm chủ đề');
    // The retired topic is marked and has no actions of its own.
    const retiredTopic = live.slice(live.indexOf('Chính phủ điện tử'), live.indexOf('</li>', live.indexOf('Chính phủ điện tử')));
    expect(retiredTopic).toContain('Đã ngừng dùng');
    expect(retiredTopic).not.toContain('Đổi tên');
    const gone = between(html, 'data-chuyen-muc="TS"');
    expect(gone).toContain('Đã ngừng dùng');
    expect(gone).not.toContain('Đổi tên');
    expect(gone).not.toContain('Thêm chủ đề');
    expect(html).toContain('Thêm chuyên mục');
  });

  it('speaks English when asked', async () => {
    setLang('en');
    const html = await render(ChuyenMucPanel, { chuyenMuc: [cchc], loudness: [] });
    expect(html).toContain('Add chuyên mục');
    expect(html).toContain('Server default');
  });

  it('checks a loudness target before sending it: empty is the default, outside −31…−10 is refused in Vietnamese', () => {
    expect(parseLufs('')).toEqual({ ok: true, value: null });
    expect(parseLufs(' −23 ')).toEqual({ ok: true, value: -23 });
    expect(parseLufs('-16,5')).toEqual({ ok: true, value: -16.5 });
    expect(parseLufs('-5')).toEqual({ ok: false, message: 'Độ lớn chuẩn phải là số từ −31 đến −10.' });
    expect(parseLufs('to lắm')).toMatchObject({ ok: false });
  });
});

const units: UnitView[] = [
  { id: 'u1', name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh', parentId: null, code: 'HT' },
  { id: 'u2', name: 'Xã Cẩm Bình', kind: 'Xã', parentId: 'u1', code: 'CB' },
];
const station = (over: Partial<StationView> = {}): StationView => ({
  id: 's1',
  unitId: 'u2',
  name: 'Đài xã Cẩm Bình',
  code: 'cam-binh',
  tokenHint: null,
  hasToken: false,
  lastSeenAt: null,
  agentVersion: null,
  agentOutdated: null,
  enrolledAt: null,
  enrolmentExpiresAt: null,
  ...over,
});
const target: PlanTargetView = { id: 'pt1', name: 'Mỗi xã 2 buổi', chuyenMucId: 'cm1', scope: 'each_station', stationId: null, unitId: 'u1', minPerMonth: 2, createdBy: null, createdAt: '' };
const compliance: ComplianceView = {
  from: '2026-10-01T00:00:00+07:00',
  to: '2027-01-01T00:00:00+07:00',
  timeZone: 'Asia/Ho_Chi_Minh',
  targets: [
    {
      id: 'pt1',
      name: 'Mỗi xã 2 buổi',
      chuyenMuc: 'Cải cách hành chính',
      scope: 'each_station',
      minPerMonth: 2,
      months: [
        { month: '2026-10', status: 'missed', label: 'Không đạt', stationsMet: 0, stations: 1 },
        { month: '2026-11', status: 'met', label: 'Đạt', stationsMet: 1, stations: 1 },
      ],
      stations: [],
    },
  ],
};

describe('the plan targets screen', () => {
  it('lists each target with where it applies, its minimum and its compliance month by month, with an edit button', async () => {
    const html = await render(PlanTargetsPanel, { targets: [target], chuyenMuc: [cchc, old], stations: [station()], units, compliance, month: '2026-10', months: 3 });
    const row = between(html, 'data-target="Mỗi xã 2 buổi"', '</tr>');
    expect(row).toContain('Từng trạm của đơn vị: Tỉnh Hà Tĩnh');
    expect(row).toContain('Cải cách hành chính');
    expect(row).toContain('badge bad');
    expect(row).toContain('Không đạt');
    expect(row).toContain('1/1 trạm đạt');
    expect(row).toContain('Sửa');
    // A retired chuyên mục is not offered for a new target.
    const form = between(html, 'data-testid="plan-target-form"', '</form>');
    expect(form).toContain('Cải cách hành chính');
    expect(form).not.toContain('Thời sự cũ');
    expect(html).toContain('value="2026-10"');
  });

  it('sends only the place its scope names, and asks for whole months in Vietnam time', () => {
    const base = { name: ' Xã 1 buổi ', chuyenMucId: 'cm1', stationId: 's1', unitId: 'u1', minPerMonth: '3' };
    expect(planTargetBody({ ...base, scope: 'station' })).toEqual({ name: 'Xã 1 buổi', chuyenMucId: 'cm1', scope: 'station', stationId: 's1', minPerMonth: 3 });
    expect(planTargetBody({ ...base, scope: 'each_station' })).toEqual({ name: 'Xã 1 buổi', chuyenMucId: 'cm1', scope: 'each_station', unitId: 'u1', minPerMonth: 3 });
    expect(complianceRange('2026-11', 3)).toEqual({ from: '2026-11-01T00:00:00+07:00', to: '2027-02-01T00:00:00+07:00' });
    expect(complianceRange('2026-01', 40).to).toBe('2027-01-01T00:00:00+07:00');
    // 31 Dec 2026 20:00 UTC is already January 2027 in Vietnam.
    expect(monthOf(Date.parse('2026-12-31T20:00:00Z'))).toBe('2027-01');
  });
});

const NOW = Date.parse('2026-12-05T05:00:00Z');

describe('the station details', () => {
  it('shows an enrolled box, its open code’s expiry and that its agent is outdated', async () => {
    const html = await render(StationDetails, {
      station: station({ enrolledAt: '2026-12-01T01:00:00.000Z', enrolmentExpiresAt: '2026-12-06T01:00:00.000Z', agentVersion: '0.9.0', agentOutdated: true }),
      now: NOW,
      clusters: [{ id: 'c-1', stationId: 's1', name: 'Cụm thôn Đông', createdAt: '' }],
      links: [],
      origin: 'https://loa.example',
    });
    const state = between(html, 'data-testid="enrolment-state"', '</div>');
    expect(state).toContain('Đã đăng ký 08:00:00 01/12/2026');
    expect(state).toContain('Mã đăng ký chưa dùng, hết hạn lúc 08:00:00 06/12/2026');
    expect(state).toContain('0.9.0');
    expect(state).toContain('badge warn');
    expect(html).toContain('Cụm thôn Đông');
    expect(html).toContain('c-1');
    expect(html).toContain('Kiểm chứng');
  });

  it('says when a station was never enrolled and its code ran out', () => {
    expect(enrolmentState({ enrolledAt: null, enrolmentExpiresAt: '2026-12-04T00:00:00.000Z' }, NOW)).toEqual({ enrolled: false, code: 'expired' });
    expect(enrolmentState({ enrolledAt: '2026-12-01T00:00:00.000Z', enrolmentExpiresAt: null }, NOW)).toEqual({ enrolled: true, code: 'none' });
  });

  it('says a station has no clusters, and offers to add one', async () => {
    const html = await render(SpeakerClusters, { stationId: 's1', clusters: [] });
    expect(html).toContain('Trạm chưa có cụm loa nào');
    expect(html).toContain('Thêm cụm loa');
  });

  it('shows a verified chain with its last seal time and the key’s fingerprint, and a broken one in red', async () => {
    const result: ChainVerifyView = {
      ok: false,
      checkedAt: '',
      keyFingerprint: 'ab12cd34ef56ab12cd34ef56ab12cd34ef56',
      stations: [
        { stationId: 's1', stationName: 'A', code: 'a', ok: true, checked: 12, firstBreak: null, lastSeal: { createdAt: '2026-12-05T04:00:00.000Z', lastChainPos: 12, keyId: 'ab12', signed: true } },
        { stationId: 's2', stationName: 'B', code: 'b', ok: false, checked: 3, firstBreak: { kind: 'edited', message: 'Dòng 4 đã bị sửa.' }, lastSeal: null },
      ],
    };
    const html = await render(ChainCheck, { stationId: 's1', result });
    expect(html).toContain('Nhật ký nguyên vẹn');
    expect(html).toContain('Niêm phong gần nhất: 11:00:00 05/12/2026');
    expect(html).toContain('Dấu vân tay khoá ký: ab12:cd34:ef56:ab12:cd34:ef56:ab12:cd34');
    expect(html).toContain('badge bad');
    expect(html).toContain('Dòng 4 đã bị sửa.');
    expect(html).toContain('Chưa có niêm phong nào');
    expect(shortFingerprint(null)).toBe('—');
  });
});

describe('the calendar links', () => {
  const link = (over: Partial<CalendarLinkView>): CalendarLinkView => ({ id: 'l1', scope: 'station', refId: 's1', createdBy: null, createdAt: '2026-12-01T00:00:00.000Z', expiresAt: '2027-05-30T00:00:00.000Z', revokedAt: null, active: true, ...over });

  it('lists this station’s links only, with revoke on those still working', async () => {
    const html = await render(CalendarLinks, {
      scope: 'station',
      refId: 's1',
      origin: 'https://loa.example',
      links: [link({}), link({ id: 'l2', revokedAt: '2026-12-02T00:00:00.000Z', active: false }), link({ id: 'l3', refId: 'other' })],
    });
    expect(html.match(/data-testid="calendar-link"/g)).toHaveLength(2);
    expect(html.match(/data-testid="revoke-calendar-link"/g)).toHaveLength(1);
    expect(html).toContain('Đã thu hồi 07:00:00 02/12/2026');
    expect(html).toContain('Đang dùng được');
    expect(calendarAddress('https://loa.example/', '/api/calendar/loa_cal_x.ics')).toBe('https://loa.example/api/calendar/loa_cal_x.ics');
  });
});

const line = (over: Partial<LogbookLineView>): LogbookLineView => ({
  id: 7,
  stationId: 's1',
  stationName: 'Đài xã Cẩm Bình',
  programmeTitle: 'Bản tin CCHC',
  chuyenMuc: 'Cải cách hành chính',
  topic: null,
  source: 'relay',
  priority: 'normal',
  plannedStart: '2026-12-05T22:30:00.000Z',
  actualStart: null,
  endedAt: null,
  durationMs: null,
  plannedDurationMs: 60_000,
  startErrorMs: null,
  result: 'missed',
  reason: 'station_offline',
  detail: null,
  revision: 1,
  recordedBy: 'server',
  ...over,
});

describe('logbook corrections', () => {
  it('offers "Đính chính" on each line to those who may, and shows a correction with the line it amends and its reason', async () => {
    const lines = [line({}), line({ id: 9, revision: 2, result: 'complete', amendsLineId: 7, correctionReason: 'Trạm phát bằng tay, mất mạng' })];
    const html = await render(LogbookTable, { lines, correctable: true });
    expect(html.match(/data-testid="correct-line"/g)).toHaveLength(2);
    expect(html).toContain('Trạm phát bằng tay, mất mạng');
    expect(await render(LogbookTable, { lines })).not.toContain('data-testid="correct-line"');
  });

  it('asks for the reason and offers the result and title to correct, naming the line', async () => {
    const html = await render(LogbookCorrection, { line: line({}) });
    expect(html).toContain('Đính chính dòng nhật ký #7');
    expect(html).toContain('name="reason"');
    expect(html).toContain('required');
    expect(html).toContain('— Giữ nguyên —');
    expect(html).toContain('Phát đủ');
  });
});
