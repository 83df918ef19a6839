import { randomUUID } from 'node:crypto';
import { MediaRef } from './messages';
import { MAX_FRAME_BYTES, parseAgentFrame, parseServerFrame } from './parse';

const event = () => ({
  id: randomUUID(),
  kind: 'finished',
  occurrenceId: 'slot-1@2026-11-24T22:30:00.000Z',
  slotId: 'slot-1',
  plannedAt: '2026-11-24T22:30:00.000Z',
  startedAt: '2026-11-24T22:30:00.004Z',
  endedAt: '2026-11-24T22:40:00.004Z',
  startErrorMs: 4,
  playedMs: 600000,
});

describe('agent frames', () => {
  it('accepts a well-formed events frame and keeps every field', () => {
    const e = event();
    const parsed = parseAgentFrame(JSON.stringify({ type: 'events', events: [e] }));
    expect(parsed).toEqual({ ok: true, frame: { type: 'events', events: [e] } });
  });

  it('accepts an airing made at the station only as local:<uuid> for occurrence and slot, with its description', () => {
    const id = `local:${randomUUID()}`;
    const local = { title: 'Thông báo họp dân', kind: 'text', priority: 'normal', durationMs: 4000 };
    const good = { ...event(), occurrenceId: id, slotId: id, playedMs: 4000, local };
    expect(parseAgentFrame(JSON.stringify({ type: 'events', events: [good] }))).toEqual({ ok: true, frame: { type: 'events', events: [good] } });
    for (const bad of [
      { ...good, local: undefined },
      { ...good, slotId: 'slot-1' },
      { ...good, occurrenceId: 'local:1', slotId: 'local:1' },
      { ...good, local: { ...local, priority: 'priority' } },
      { ...good, local: { ...local, title: ' ' } },
      { ...event(), local },
    ]) {
      expect(parseAgentFrame(JSON.stringify({ type: 'events', events: [bad] })).ok).toBe(false);
    }
  });

  it('accepts a health report, and refuses one with a negative disk, a wrong file hash or a field it does not know', () => {
    const health = {
      clockOffsetMs: -742,
      clockRoundTripMs: 12,
      diskFreeBytes: 3_000_000_000,
      diskTotalBytes: 16_000_000_000,
      lookaheadHours: 48,
      missing: [{ sha256: 'a'.repeat(64), neededAt: '2026-12-05T09:30:00.000Z', title: 'Tin CCHC' }],
      agentUptimeS: 93,
      systemUptimeS: null,
      temperatureC: null,
      measuredAt: '2026-12-04T22:30:00.000Z',
    };
    expect(parseAgentFrame(JSON.stringify({ type: 'health', health }))).toEqual({ ok: true, frame: { type: 'health', health } });
    for (const bad of [
      { ...health, diskFreeBytes: -1 },
      { ...health, missing: [{ ...health.missing[0], sha256: 'xyz' }] },
      { ...health, uptime: 5 },
      { ...health, clockOffsetMs: 'lệch' },
    ]) {
      const parsed = parseAgentFrame(JSON.stringify({ type: 'health', health: bad }));
      expect(parsed.ok ? 'accepted' : parsed.code).toBe('invalid_frame');
    }
  });

  it('accepts a proof-of-air verdict and dead air on an event, and a capture with dead air in a status; refuses bad ones', () => {
    const air = { verdict: 'confirmed', confirmedMs: 580_000, coveragePct: 96.7, offsetMs: 14 };
    const e = { ...event(), air, deadAirMs: 9000 };
    expect(parseAgentFrame(JSON.stringify({ type: 'events', events: [e] }))).toEqual({ ok: true, frame: { type: 'events', events: [e] } });
    for (const bad of [{ ...air, verdict: 'probably' }, { ...air, coveragePct: 101 }, { ...air, confirmedMs: -1 }, { ...air, offsetMs: 1.5 }, { ...air, extra: 1 }]) {
      const parsed = parseAgentFrame(JSON.stringify({ type: 'events', events: [{ ...event(), air: bad }] }));
      expect(parsed.ok).toBe(false);
    }
    const status = {
      type: 'status', scheduleVersion: 1, nowPlaying: null, cacheReady: true, cachedFiles: 1, missingFiles: 0, pendingEvents: 0, lastError: null,
      capture: { source: 'alsa:hw:1,0', ok: true, levelDb: -42.5, deadAir: { since: '2026-11-24T22:30:05.000Z', occurrenceId: 'slot-1@2026-11-24T22:30:00.000Z', live: false } },
    };
    expect(parseAgentFrame(JSON.stringify(status)).ok).toBe(true);
    expect(parseAgentFrame(JSON.stringify({ ...status, capture: { ...status.capture, deadAir: { since: 'yesterday', occurrenceId: 'x', live: false } } })).ok).toBe(false);
  });

  it('accepts a Buffer as ws delivers it', () => {
    const parsed = parseAgentFrame(Buffer.from(JSON.stringify({ type: 'clock.ping', id: 3, t0: 1.5 })));
    expect(parsed.ok).toBe(true);
  });

  it.each([
    ['not JSON', '{"type":', 'bad_json'],
    ['a JSON array', '[1,2]', 'invalid_frame'],
    ['a JSON string', '"hello"', 'invalid_frame'],
    ['no type', '{"id":1}', 'unknown_type'],
    ['an unknown type', '{"type":"reboot"}', 'unknown_type'],
    ['a server-only type', '{"type":"ack","ids":[]}', 'unknown_type'],
    ['a wrong field type', '{"type":"clock.ping","id":"1","t0":0}', 'invalid_frame'],
    ['an extra field', '{"type":"clock.ping","id":1,"t0":0,"x":1}', 'invalid_frame'],
    ['an empty events list', '{"type":"events","events":[]}', 'invalid_frame'],
  ])('refuses %s with code %s', (_name, raw, code) => {
    const parsed = parseAgentFrame(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.code).toBe(code);
      expect(parsed.message.length).toBeGreaterThan(5);
    }
  });

  it('refuses an event whose id is not a UUID, or whose instant has no milliseconds', () => {
    expect(parseAgentFrame(JSON.stringify({ type: 'events', events: [{ ...event(), id: 'abc' }] })).ok).toBe(false);
    expect(parseAgentFrame(JSON.stringify({ type: 'events', events: [{ ...event(), plannedAt: '2026-11-24T22:30:00Z' }] })).ok).toBe(false);
    expect(parseAgentFrame(JSON.stringify({ type: 'events', events: [{ ...event(), kind: 'paused' }] })).ok).toBe(false);
  });

  it('takes an instant in a frame only in the one UTC form, so nothing behind it normalises again', () => {
    const withPlanned = (plannedAt: string) => parseAgentFrame(JSON.stringify({ type: 'events', events: [{ ...event(), plannedAt }] })).ok;
    expect(withPlanned('2026-11-24T22:30:00.000Z')).toBe(true);
    for (const other of ['2026-11-25T05:30:00.000+07:00', '2026-02-30T22:30:00.000Z', '2026-11-24T22:30:00.000']) expect(withPlanned(other)).toBe(false);
  });

  it('accepts a status with the station\'s download limits and refuses a malformed one', () => {
    const status = { type: 'status', scheduleVersion: 3, nowPlaying: null, cacheReady: false, cachedFiles: 1, missingFiles: 1, pendingEvents: 0, lastError: null };
    const download = { capKbps: 256, window: '22:00-05:00', windowOpen: false, deferredFiles: 1, nextWindowAt: '2026-12-04T15:00:00.000Z' };
    expect(parseAgentFrame(JSON.stringify({ ...status, download }))).toEqual({ ok: true, frame: { ...status, download } });
    expect(parseAgentFrame(JSON.stringify(status)).ok).toBe(true);
    for (const bad of [
      { ...download, capKbps: 0 },
      { ...download, capKbps: 1.5 },
      { ...download, window: '22h-5h' },
      { ...download, window: '25:00-05:00' },
      { ...download, deferredFiles: -1 },
      { ...download, nextWindowAt: 'tonight' },
      { ...download, extra: true },
    ]) {
      const parsed = parseAgentFrame(JSON.stringify({ ...status, download: bad }));
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.code).toBe('invalid_frame');
    }
  });

  it('refuses a frame over the size limit before parsing it', () => {
    const big = JSON.stringify({ type: 'hello', pad: 'x'.repeat(MAX_FRAME_BYTES) });
    const parsed = parseAgentFrame(big);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.code).toBe('too_large');
  });

  it('never throws on values ws would never deliver', () => {
    for (const raw of [undefined, null, 42, {}, [Buffer.from('{')]]) expect(parseAgentFrame(raw).ok).toBe(false);
  });
});

describe('server frames', () => {
  it('accepts a schedule snapshot and refuses one with a bad media hash', () => {
    const item = {
      occurrenceId: 'o',
      slotId: 's',
      startAt: '2026-11-24T22:30:00.000Z',
      durationMs: 1000,
      priority: 'normal',
      source: 'relay',
      programme: { id: 'p', title: 'CCHC tháng 11', chuyenMuc: 'Cải cách hành chính' },
      media: { sha256: 'a'.repeat(64), size: 10, durationMs: 1000, url: '/api/media/files/' + 'a'.repeat(64) },
    };
    const snapshot = { stationId: 'st', version: 3, generatedAt: item.startAt, from: item.startAt, to: item.startAt, items: [item] };
    expect(parseServerFrame(JSON.stringify({ type: 'schedule', snapshot })).ok).toBe(true);
    const bad = { ...snapshot, items: [{ ...item, media: { ...item.media, sha256: 'XYZ' } }] };
    expect(parseServerFrame(JSON.stringify({ type: 'schedule', snapshot: bad })).ok).toBe(false);

    // Start modes and clusters are optional, so an item from an older server still parses; bad values do not.
    const withMode = (over: object) => JSON.stringify({ type: 'schedule', snapshot: { ...snapshot, items: [{ ...item, ...over }] } });
    expect(parseServerFrame(withMode({ startMode: 'wait', waitMs: 30_000, clusterIds: ['c1'] })).ok).toBe(true);
    expect(parseServerFrame(withMode({ startMode: 'later' })).ok).toBe(false);
    expect(parseServerFrame(withMode({ startMode: 'wait', waitMs: -1 })).ok).toBe(false);
  });

  it('accepts only media paths on the server itself, never one that leads to another host', () => {
    const media = (url: string) => ({ sha256: 'a'.repeat(64), size: 10, durationMs: 1000, url });
    expect(MediaRef.safeParse(media('/api/media/files/' + 'a'.repeat(64))).success).toBe(true);
    expect(MediaRef.safeParse(media('/api/media/files/x?range=1#y')).success).toBe(true);
    for (const url of ['//evil.example/x', '/\\evil.example/x', '/\\/evil.example', '/\t/evil.example', '/\n/evil.example', '/ /x', 'http://evil.example/x', 'api/x', '']) {
      expect(MediaRef.safeParse(media(url)).success).toBe(false);
    }
  });

  it('knows an item cut by a higher priority: failed, preempted', () => {
    const cut = { ...event(), kind: 'failed', reason: 'preempted', playedMs: 2000 };
    expect(parseAgentFrame(JSON.stringify({ type: 'events', events: [cut] })).ok).toBe(true);
  });
});
