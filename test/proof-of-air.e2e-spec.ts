import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './support/api';
import { Mailbox } from './support/mailbox';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';
import { createProgrammeFrom, createStation, logbookOf, secondAhead } from './faults/fault-kit';

/**
 * Proof of air end to end: a real agent plays into its file sink and listens to a capture FIFO. The test
 * stands for the wire from the amplifier to the capture input: it feeds the FIFO in real time with what the
 * sink says went out, passed through Debian's ffmpeg as a telephone-grade band with hiss at 10 dB SNR —
 * and, for the second airing, with a different programme instead, as if the station had aired something
 * else (or the monitor heard another source).
 */
const FFMPEG = '/usr/bin/ffmpeg';
const RATE = 16_000;
const CHUNK_MS = 100;
const haveTools = existsSync(FFMPEG) && existsSync('/usr/bin/mkfifo');
if (!haveTools) console.log('proof-of-air e2e skipped: install the Debian packages ffmpeg and coreutils (mkfifo)');
const describeTools = haveTools ? describe : describe.skip;

/** A melody of random notes with harmonics, seeded: music-like audio a band-limited path keeps. */
function melody(path: string, seed: number, seconds: number): string {
  const rate = 44100;
  let state = seed;
  const rand = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out = new Int16Array(rate * seconds);
  for (let t = 0; t < out.length; ) {
    const len = Math.floor(rate * (0.15 + rand() * 0.45));
    const f = 220 * Math.pow(2, Math.floor(rand() * 24) / 12);
    for (let i = 0; i < len && t + i < out.length; i++) {
      let v = 0;
      for (let h = 1; h <= 5; h++) v += Math.sin((2 * Math.PI * f * h * i) / rate) / h;
      out[t + i] = Math.round(v * Math.exp((-3 * i) / len) * 9000);
    }
    t += len;
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + out.length * 2, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(out.length * 2, 40);
  writeFileSync(path, Buffer.concat([header, Buffer.from(out.buffer)]));
  return path;
}

/** The monitor path: 16 kHz, 300–3,400 Hz, white hiss 10 dB below the programme's level. */
function throughMonitorPath(file: string): Promise<Int16Array> {
  // The hiss's level is set from the programme's: measured first, then mixed at 10 dB below it.
  const pcm = execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-i', file, '-ac', '1', '-ar', String(RATE), '-f', 's16le', 'pipe:1'], { maxBuffer: 64 << 20 });
  let sum = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) sum += (pcm.readInt16LE(i) / 32768) ** 2;
  const rms = Math.sqrt(sum / (pcm.length / 2));
  const amplitude = Math.min(1, (Math.sqrt(3) * rms) / Math.sqrt(10));
  return new Promise((resolve, reject) => {
    const child = spawn(
      FFMPEG,
      [
        '-hide_banner', '-loglevel', 'error', '-i', file,
        '-f', 'lavfi', '-i', `anoisesrc=color=white:amplitude=${amplitude.toFixed(5)}:sample_rate=${RATE}:seed=3`,
        '-filter_complex', `[0:a]aformat=channel_layouts=mono,aresample=${RATE},highpass=f=300,lowpass=f=3400[p];[p][1:a]amix=inputs=2:duration=first:normalize=0`,
        '-ac', '1', '-ar', String(RATE), '-f', 's16le', 'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg ${code}`));
      const buf = Buffer.concat(chunks);
      const out = new Int16Array(Math.floor(buf.length / 2));
      for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
      resolve(out);
    });
  });
}

/**
 * Writes the capture FIFO in real time, 100 ms at a time, each chunk when its time has passed: quiet hiss
 * when nothing is scheduled into it, else the audio placed at the instant it went out.
 */
class CaptureFeeder {
  private readonly clips: { at: number; pcm: Int16Array }[] = [];
  private running = true;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly fifo: FileHandle) {}

  start(): void {
    this.done = this.loop();
  }

  play(at: number, pcm: Int16Array): void {
    this.clips.push({ at, pcm });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    const samples = (RATE * CHUNK_MS) / 1000;
    let t = Date.now();
    let seed = 1;
    while (this.running) {
      const chunk = new Int16Array(samples);
      for (let i = 0; i < samples; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        chunk[i] = Math.round((seed / 2147483648 - 0.5) * 40);
      }
      for (const clip of this.clips) {
        for (let i = 0; i < samples; i++) {
          const k = Math.round(((t - clip.at) / 1000) * RATE) + i;
          if (k >= 0 && k < clip.pcm.length) chunk[i] = Math.max(-32768, Math.min(32767, chunk[i] + clip.pcm[k]));
        }
      }
      t += CHUNK_MS;
      await sleep(Math.max(0, t - Date.now()));
      try {
        await this.fifo.write(Buffer.from(chunk.buffer));
      } catch {
        return;
      }
    }
  }
}

interface Delivered {
  event: string;
  alert: { kind: string; stationId: string; title: string };
}

/** Where alerts go: a webhook receiver and an SMTP server, both in this process. */
class AlertInbox {
  readonly hooks: Delivered[] = [];
  readonly mailbox = new Mailbox();
  hookUrl = '';
  private readonly http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivered);
      res.writeHead(200).end();
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
    this.hookUrl = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/hook`;
    await this.mailbox.start();
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise((r) => this.http.close(() => r(undefined)));
    await this.mailbox.close();
  }
}

describeTools('proof of air: a real agent listening to its own output', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;
  let feeder: CaptureFeeder | undefined;
  let fifo: FileHandle | undefined;
  const inbox = new AlertInbox();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-proof-of-air-'));
    await inbox.start();
  });

  afterAll(async () => {
    await agent?.stop();
    await feeder?.stop();
    await fifo?.close();
    await server?.stop();
    await inbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('confirms the programme its capture heard through a band-limited, noisy path, and not one whose capture carried another programme, which is told by webhook and e-mail', async () => {
    server = await startServerProcess(dir, {
      env: { ALERT_EVAL_SECONDS: '1', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(inbox.mailbox.port), SMTP_FROM: 'canhbao@loa.example.vn' },
    });
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    await api.ok('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: inbox.hookUrl });
    await api.ok('POST', '/api/alerts/subscriptions', { channel: 'email', target: 'truc-ban@loa.example.vn' });
    const station = await createStation(api, 'nghe-song');
    const aired = await createProgrammeFrom(api, melody(join(dir, 'ban-tin.wav'), 11, 14), 'Bản tin CCHC');
    const other = await createProgrammeFrom(api, melody(join(dir, 'chuong-trinh-khac.wav'), 4242, 12), 'Chương trình khác');

    const capturePath = join(dir, 'capture.fifo');
    execFileSync('/usr/bin/mkfifo', [capturePath]);
    const agentDir = join(dir, 'agent');
    const sinkDir = join(agentDir, 'sink');
    agent = startAgentProcess(agentDir, server.url, station.token, { LOA_CAPTURE: `file:${capturePath}` });
    // Opening the writing end waits for the agent's capture to open the reading end.
    fifo = await open(capturePath, 'w');
    feeder = new CaptureFeeder(fifo);
    feeder.start();

    const firstAt = secondAhead(12_000);
    const secondAt = new Date(Date.parse(firstAt) + aired.durationMs + 6000).toISOString();
    await api.ok('POST', '/api/slots', { programmeId: aired.id, startAt: firstAt, stationIds: [station.id] });
    await api.ok('POST', '/api/slots', { programmeId: aired.id, startAt: secondAt, stationIds: [station.id] });
    const cached = (sha: string) => existsSync(join(agentDir, 'cache', 'media', `${sha}.mp3`));
    await eventually('the programme cached', () => cached(aired.sha256), 20_000);

    // First airing: the capture carries what the sink says went out, through the monitor path.
    const first = await eventually('the first airing in the sink', () => readSink(sinkDir)[0], 25_000);
    feeder.play(Date.parse(first.startedAt), await throughMonitorPath(join(sinkDir, first.file)));

    // Second airing: the capture carries another programme over the same minutes.
    const second = await eventually('the second airing in the sink', () => readSink(sinkDir)[1], 30_000);
    const otherFile = join(agentDir, 'cache', 'media', `${other.sha256}.mp3`);
    feeder.play(Date.parse(second.startedAt), await throughMonitorPath(existsSync(otherFile) ? otherFile : join(dir, 'chuong-trinh-khac.wav')));

    const lines = await eventually(
      'both lines with their verdicts',
      async () => {
        const got = (await logbookOf(api, station.id)) as (Awaited<ReturnType<typeof logbookOf>>[number] & Record<string, unknown>)[];
        return got.length >= 2 && got.every((l) => l.airVerdict) && got;
      },
      30_000,
    );
    const byStart = new Map(lines.map((l) => [l.plannedStart, l]));
    const confirmed = byStart.get(firstAt)!;
    const refused = byStart.get(secondAt)!;
    console.log(
      'proof of air end to end:\n' +
        [
          ['own output, band 300–3,400 Hz + hiss 10 dB SNR', confirmed],
          ['another programme', refused],
        ]
          .map(([name, l]) => `  ${String(name).padEnd(48)} | ${String((l as typeof confirmed).airVerdict).padEnd(13)} | ${(l as typeof confirmed).airCoveragePct} % | ${(l as typeof confirmed).airOffsetMs ?? '—'} ms`)
          .join('\n'),
    );
    expect(confirmed).toMatchObject({ result: 'complete', airVerdict: 'confirmed' });
    // The feeder starts the programme only once the sink shows it and ffmpeg has filtered it: its first second or two is lost.
    expect(confirmed.airCoveragePct as number).toBeGreaterThanOrEqual(50);
    expect(Math.abs(confirmed.airOffsetMs as number)).toBeLessThan(500);
    expect(refused).toMatchObject({ result: 'complete', airVerdict: 'not_confirmed' });
    expect(refused.airCoveragePct as number).toBeLessThan(50);
    expect((await api.ok('GET', '/api/logbook/verify')).ok).toBe(true);

    // The airing its capture did not hear goes to people once, by webhook and by e-mail; the confirmed one does not.
    const told = await eventually('the not-confirmed alert by webhook and e-mail', () => {
      const hooks = inbox.hooks.filter((h) => h.event === 'alert.fired' && h.alert.kind === 'not_confirmed');
      const mails = inbox.mailbox.mails.filter((m) => m.subject.includes('không xác nhận được'));
      return hooks.length >= 1 && mails.length >= 1 && { hooks, mails };
    }, 30_000);
    await sleep(3000);
    expect(inbox.hooks.filter((h) => h.event === 'alert.fired' && h.alert.kind === 'not_confirmed')).toHaveLength(1);
    expect(told.hooks[0].alert).toMatchObject({ stationId: station.id, title: expect.stringContaining('"Bản tin CCHC"') });
    expect(told.mails).toHaveLength(1);

    // The agent's status shows its capture working.
    const statuses = (await api.ok('GET', '/api/agents/status')) as { stationId: string; status: { capture?: { ok: boolean; source: string } } | null }[];
    expect(statuses.find((s) => s.stationId === station.id)?.status?.capture).toMatchObject({ ok: true, source: `file:${capturePath}` });
  }, 180_000);
});
