import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fromInstant } from '@loa/protocol';
import { plannedAtOf } from '../schedule-items';
import type { Clock } from '../clock';
import { errorText, type Logger } from '../log';
import type { AgentStore } from '../store';
import { AnnouncementError, type Announcements } from './announcements';
import { DeclineError } from './declines';
import { isPrivateAddress, isSameOrigin, LoginLimiter } from './guard';
import { APP_CSS, APP_JS, INDEX_HTML } from './page';
import { verifyPin } from './pin';
import { WHOLE_STATION, type ApplyVolume, type ConsoleOutput, type ConsoleSchedule } from './ports';
import { cookieValue, SESSION_COOKIE, Sessions } from './sessions';
import { speakToWav, SpeechError, toAnnouncementWav } from './speech';

export interface ConsoleServerOptions {
  /** `HOST:PORT` to listen on. */
  listen: string;
  pinHash: string;
  announcements: Announcements;
  schedule: ConsoleSchedule;
  output: ConsoleOutput;
  applyVolume: ApplyVolume;
  store: AgentStore;
  clock: Clock;
  log: Logger;
  /** Where uploads wait while they are converted. */
  tmpDir: string;
  limiter?: LoginLimiter;
  sessions?: Sessions;
  /** Which source addresses may use the console; the station's own network by default. */
  allowAddress?: (address: string) => boolean;
}

const JSON_LIMIT = 64 * 1024;
const RECORDING_LIMIT = 30 * 1024 * 1024;
const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** A refusal the console shows as it is: a stable code and a sentence for the operator. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const clusterIds = z.array(z.string().min(1).max(200)).min(1).max(200).optional();
const when = z.iso.datetime({ offset: true }).optional();

const TextAnnouncement = z.strictObject({
  text: z.string().trim().min(1, 'Hãy nhập nội dung thông báo.').max(3000, 'Thông báo dài quá 3000 ký tự.'),
  title: z.string().trim().max(200).optional(),
  clusterIds,
  at: when,
  emergency: z.boolean().optional(),
});

const RecordingMeta = z.strictObject({
  title: z.string().trim().max(200).optional(),
  clusters: z.string().max(5000).optional(),
  at: when,
  emergency: z.enum(['0', '1']).optional(),
});

const Login = z.strictObject({ pin: z.string().max(64) });
const DeclineInput = z.strictObject({
  occurrenceId: z.string().min(1).max(200),
  reason: z.string().trim().min(1, 'Hãy ghi lý do không phát.').max(300, 'Lý do dài quá 300 ký tự.'),
});
const Volume = z.strictObject({ clusterId: z.string().min(1).max(200), volume: z.number().int().min(0).max(100) });

/** `HOST:PORT`, `[v6]:PORT` or `:PORT`. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`"${listen}" phải có dạng ĐỊA-CHỈ:CỔNG, ví dụ 0.0.0.0:8080`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * The station box's own console, for the operator's phone on the commune hall's network: the day's
 * schedule, what is on air, the outputs' levels, and announcements made on the spot. It never reads or
 * shows the station token; every change needs a session opened with the PIN and comes from its own pages.
 */
export class ConsoleServer {
  private readonly server: Server;
  private readonly limiter: LoginLimiter;
  private readonly sessions: Sessions;

  constructor(private readonly o: ConsoleServerOptions) {
    this.limiter = o.limiter ?? new LoginLimiter({ now: () => o.clock.localNow() });
    this.sessions = o.sessions ?? new Sessions(undefined, () => o.clock.localNow());
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 300_000;
  }

  async start(): Promise<string> {
    const { host, port } = parseListen(this.o.listen);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    const url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    this.o.log.info(`Bảng điều khiển tại trạm: ${url} (chỉ trong mạng nội bộ, đăng nhập bằng mã PIN)`);
    return url;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const address = req.socket.remoteAddress ?? '';
    try {
      // The console is for the commune hall's own network; an address from outside gets nothing.
      if (!(this.o.allowAddress ?? isPrivateAddress)(address)) throw new Refusal(403, 'not_local', 'Bảng điều khiển chỉ dùng được trong mạng nội bộ của trạm.');
      const url = new URL(req.url ?? '/', 'http://console.invalid');
      const route = `${req.method ?? 'GET'} ${url.pathname}`;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        if (!isSameOrigin(req.headers as Record<string, string>)) throw new Refusal(403, 'cross_origin', 'Yêu cầu không đến từ trang của bảng điều khiển này.');
      }
      switch (route) {
        case 'GET /':
          return this.send(res, 200, INDEX_HTML, 'text/html; charset=utf-8');
        case 'GET /app.js':
          return this.send(res, 200, APP_JS, 'text/javascript; charset=utf-8');
        case 'GET /app.css':
          return this.send(res, 200, APP_CSS, 'text/css; charset=utf-8');
        case 'GET /favicon.ico':
          // Browsers ask for it on their own; the console has none.
          res.writeHead(204, this.headers());
          return void res.end();
        case 'POST /api/login':
          return await this.login(req, res, address);
      }
      const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
      // Asked by the page on opening, so it need not meet a refusal to know it must ask for the PIN.
      if (route === 'GET /api/session') return this.json(res, 200, { loggedIn: this.sessions.touch(token) });
      if (!this.sessions.touch(token)) throw new Refusal(401, 'login_required', 'Hãy đăng nhập bằng mã PIN của trạm.');
      switch (route) {
        case 'POST /api/logout':
          this.sessions.close(token);
          return this.json(res, 200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
        case 'GET /api/state':
          return this.json(res, 200, this.state());
        case 'POST /api/announcements':
          return this.json(res, 201, await this.createText(await this.body(req, TextAnnouncement)));
        case 'POST /api/announcements/recording':
          return this.json(res, 201, await this.createRecording(req, url));
        case 'POST /api/volume':
          return this.json(res, 200, await this.setVolume(await this.body(req, Volume)));
        case 'POST /api/decline': {
          const input = await this.body(req, DeclineInput);
          this.o.schedule.decline(input.occurrenceId, input.reason);
          return this.json(res, 200, this.state());
        }
      }
      const stop = /^POST \/api\/announcements\/(local:[0-9a-f-]{36})\/stop$/.exec(route);
      if (stop) return this.json(res, 200, this.o.announcements.stop(stop[1]));
      throw new Refusal(404, 'not_found', 'Không có trang này.');
    } catch (e) {
      const r =
        e instanceof Refusal
          ? e
          : e instanceof AnnouncementError
            ? new Refusal(e.code === 'not_found' ? 404 : e.code === 'bad_time' ? 400 : 409, e.code, e.message)
            : e instanceof SpeechError
              ? new Refusal(422, 'bad_audio', e.message)
              : e instanceof DeclineError
                ? new Refusal(e.code === 'not_found' ? 404 : 409, e.code, e.message)
                : null;
      if (!r) this.o.log.error(`Bảng điều khiển tại trạm: lỗi khi xử lý ${req.method} ${req.url}: ${errorText(e)}`);
      if (res.headersSent) return void res.destroy();
      this.json(res, r?.status ?? 500, { code: r?.code ?? 'internal', message: r?.message ?? 'Lỗi trong phần mềm trạm; xem nhật ký của máy trạm.' }, r?.headers);
    }
  }

  private async login(req: IncomingMessage, res: ServerResponse, address: string): Promise<void> {
    const wait = this.limiter.waitMs(address);
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      throw new Refusal(429, 'too_many_tries', `Nhập sai mã PIN quá nhiều lần: thử lại sau ${s} giây.`, { 'retry-after': String(s) });
    }
    const { pin } = await this.body(req, Login);
    if (!(await verifyPin(pin, this.o.pinHash))) {
      this.limiter.failed(address);
      this.o.log.warn(`Bảng điều khiển tại trạm: sai mã PIN từ ${address}`);
      throw new Refusal(401, 'wrong_pin', 'Mã PIN không đúng.');
    }
    this.limiter.succeeded(address);
    const token = this.sessions.open();
    this.json(res, 200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200` });
  }

  // ---- what the page shows ----

  private state(): unknown {
    const now = this.o.clock.serverNow();
    const dayStart = Math.floor((now + VIETNAM_OFFSET_MS) / 86_400_000) * 86_400_000 - VIETNAM_OFFSET_MS;
    const dayEnd = dayStart + 86_400_000;
    const s = this.o.schedule;
    const playing = s.nowPlaying();
    const local = this.o.announcements.current();
    const live = this.o.output.liveOnAir();
    const states = s.states();
    const declined = s.declined();
    const schedule = s
      .items()
      .filter((i) => i.startMs < dayEnd && i.startMs + i.durationMs > dayStart)
      .sort((a, b) => a.startMs - b.startMs)
      .map((i) => ({
        occurrenceId: i.occurrenceId,
        startAt: plannedAtOf(i),
        durationMs: i.durationMs,
        title: i.programme.title,
        chuyenMuc: i.programme.chuyenMuc,
        priority: i.priority,
        source: i.source,
        cached: s.isCached(i.media.sha256),
        state: playing?.occurrenceId === i.occurrenceId ? 'playing' : declined.has(i.occurrenceId) ? 'declined' : (states.get(i.occurrenceId) ?? 'waiting'),
        declinedReason: declined.get(i.occurrenceId)?.reason ?? null,
        // TT39: the commune may decline a normal item of the upper level, before it airs.
        declinable: s.declinable(i),
      }));
    return {
      now: new Date(now).toISOString(),
      online: s.online(),
      pendingEvents: s.pendingEvents(),
      onAir: local
        ? { kind: 'local', title: local.title, startedAt: new Date(local.startedAt).toISOString(), id: local.id }
        : live
          ? { kind: 'live', title: live.title }
          : playing
            ? { kind: 'schedule', title: playing.title, startedAt: new Date(playing.startedAt).toISOString() }
            : null,
      schedule,
      clusters: this.clusters(),
      announcements: this.o.announcements.list(dayStart - 86_400_000),
    };
  }

  private clusters(): { id: string; label: string; volume: number }[] {
    const list = this.o.output.clusters();
    const rows = this.o.store.db.prepare('SELECT output_id AS id, volume FROM output_volume').all() as { id: string; volume: number }[];
    const levels = new Map(rows.map((r) => [r.id, r.volume]));
    return (list.length ? list : [WHOLE_STATION]).map((c) => ({ ...c, volume: levels.get(c.id) ?? 100 }));
  }

  // ---- changes ----

  private chosenClusters(ids: string[] | undefined): string[] | undefined {
    const known = this.o.output.clusters();
    if (!ids || ids.includes(WHOLE_STATION.id) || known.length === 0) return undefined;
    const unknown = ids.filter((id) => !known.some((c) => c.id === id));
    if (unknown.length) throw new Refusal(400, 'unknown_cluster', `Trạm không có cụm loa ${unknown.join(', ')}.`);
    // Every cluster chosen is the whole station.
    return ids.length === known.length ? undefined : [...new Set(ids)];
  }

  /** The console's own HTTP edge: `value` has passed the ISO-8601 check of the request's schema. */
  private at(value: string | undefined): number | null {
    return value ? fromInstant(value) : null;
  }

  private createText(input: z.infer<typeof TextAnnouncement>) {
    const title = input.title || firstWords(input.text);
    return this.o.announcements.create({
      local: { title, kind: 'text', priority: input.emergency ? 'emergency' : 'normal', ...withClusters(this.chosenClusters(input.clusterIds)) },
      at: this.at(input.at),
      audio: (dest) => speakToWav(input.text, `${dest}.espeak.wav`, dest).finally(() => rm(`${dest}.espeak.wav`, { force: true })),
    });
  }

  private async createRecording(req: IncomingMessage, url: URL) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!/^(audio\/[a-z0-9.+-]+|video\/webm|video\/mp4|application\/octet-stream)$/.test(type)) {
      throw new Refusal(415, 'bad_type', 'Bản ghi âm phải được gửi dưới dạng tệp âm thanh.');
    }
    const meta = RecordingMeta.safeParse(Object.fromEntries(url.searchParams));
    if (!meta.success) throw new Refusal(400, 'invalid', `Thông tin kèm bản ghi âm không hợp lệ: ${meta.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > RECORDING_LIMIT) throw new Refusal(413, 'too_large', 'Bản ghi âm quá lớn (tối đa 30 MB).');
    const upload = join(this.o.tmpDir, `upload-${randomUUID()}`);
    try {
      let size = 0;
      await pipeline(
        req,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > RECORDING_LIMIT) throw new Refusal(413, 'too_large', 'Bản ghi âm quá lớn (tối đa 30 MB).');
            yield chunk;
          }
        },
        createWriteStream(upload, { mode: 0o600 }),
      );
      if (size === 0) throw new Refusal(400, 'empty', 'Chưa có bản ghi âm: hãy bấm Ghi âm rồi Dừng ghi.');
      const clusters = meta.data.clusters ? meta.data.clusters.split(',').filter(Boolean) : undefined;
      const title = meta.data.title || `Thông báo ghi âm lúc ${vietnamClock(this.o.clock.serverNow())}`;
      return await this.o.announcements.create({
        local: { title, kind: 'recording', priority: meta.data.emergency === '1' ? 'emergency' : 'normal', ...withClusters(this.chosenClusters(clusters)) },
        at: this.at(meta.data.at),
        audio: (dest) => toAnnouncementWav(upload, dest),
      });
    } finally {
      await rm(upload, { force: true });
    }
  }

  private async setVolume(input: z.infer<typeof Volume>) {
    if (!this.clusters().some((c) => c.id === input.clusterId)) throw new Refusal(400, 'unknown_cluster', `Trạm không có cụm loa ${input.clusterId}.`);
    try {
      await this.o.applyVolume(input.clusterId, input.volume);
    } catch (e) {
      throw new Refusal(502, 'volume_failed', `Không đặt được âm lượng: ${errorText(e)}`);
    }
    this.o.store.db
      .prepare('INSERT INTO output_volume (output_id, volume) VALUES (?, ?) ON CONFLICT (output_id) DO UPDATE SET volume = excluded.volume')
      .run(input.clusterId, input.volume);
    this.o.log.info(`Bảng điều khiển tại trạm: âm lượng "${input.clusterId}" đặt ${input.volume}%`);
    return { clusters: this.clusters() };
  }

  // ---- plumbing ----

  private async body<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new Refusal(415, 'bad_type', 'Yêu cầu phải gửi dữ liệu JSON.');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > JSON_LIMIT) throw new Refusal(413, 'too_large', 'Yêu cầu quá lớn.');
      chunks.push(chunk);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new Refusal(400, 'bad_json', 'Dữ liệu gửi lên không phải JSON hợp lệ.');
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const custom = result.error.issues.find((i) => i.code === 'custom' || /[À-ỹ]/.test(i.message));
      throw new Refusal(400, 'invalid', custom?.message ?? `Dữ liệu không hợp lệ: ${result.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}`);
    }
    return result.data as z.infer<T>;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; media-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      ...extra,
    };
  }

  private send(res: ServerResponse, status: number, body: string, type: string): void {
    res.writeHead(status, this.headers({ 'content-type': type }));
    res.end(body);
  }

  private json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    res.writeHead(status, this.headers({ 'content-type': 'application/json; charset=utf-8', ...extra }));
    res.end(JSON.stringify(body));
  }
}

function withClusters(ids: string[] | undefined): { clusterIds?: string[] } {
  return ids ? { clusterIds: ids } : {};
}

/** A title from the start of the text, cut at a word. */
function firstWords(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= 80) return flat;
  const cut = flat.slice(0, 80);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 80)}…`;
}

function vietnamClock(ms: number): string {
  return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(11, 16);
}
