import { LocalTime } from './local-time';
import { missReason } from './miss-sweeper';

const local = new LocalTime('Asia/Ho_Chi_Minh');
const PLANNED = '2026-12-04T22:30:00.000Z';

describe('why the server says a silent station did not play', () => {
  it('names a station gone before the slot, with when it was last heard from', () => {
    expect(missReason(PLANNED, { lastSeenAt: '2026-12-04T21:00:00.000Z', scheduleVersion: 3, agentScheduleVersion: 3, missingFiles: 0 }, local)).toEqual({
      reason: 'station_offline',
      detail: 'Trạm mất kết nối: lần cuối liên lạc lúc 05/12/2026 04:00:00',
    });
    expect(missReason(PLANNED, { lastSeenAt: null, scheduleVersion: 3 }, local).reason).toBe('station_offline');
  });

  it('names an older schedule, then a missing file, then silence, for a station that was there', () => {
    const seen = '2026-12-04T22:29:50.000Z';
    expect(missReason(PLANNED, { lastSeenAt: seen, scheduleVersion: 4, agentScheduleVersion: 3, missingFiles: 0 }, local)).toEqual({
      reason: 'schedule_not_received',
      detail: 'Trạm chưa nhận lịch: trạm giữ lịch phiên bản 3, máy chủ đã có phiên bản 4',
    });
    expect(missReason(PLANNED, { lastSeenAt: seen, scheduleVersion: 4 }, local).detail).toBe('Trạm chưa nhận lịch: trạm chưa có lịch nào, máy chủ đã có phiên bản 4');
    expect(missReason(PLANNED, { lastSeenAt: seen, scheduleVersion: 4, agentScheduleVersion: 4, missingFiles: 2 }, local)).toEqual({
      reason: 'media_not_cached',
      detail: 'Trạm chưa tải tệp: trạm báo còn thiếu 2 tệp âm thanh',
    });
    expect(missReason(PLANNED, { lastSeenAt: seen, scheduleVersion: 4, agentScheduleVersion: 4, missingFiles: 0 }, local).reason).toBe('not_reported');
  });
});
