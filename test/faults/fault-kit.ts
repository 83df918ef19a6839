import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Api } from '../support/api';
import { makeTone } from '../support/audio';
import { sleep } from '../support/processes';

/**
 * The seed of a fault run: LOA_FAULT_SEED when given, so a failure can be replayed, otherwise a fresh one.
 * Printed either way.
 */
export function faultSeed(spec: string): number {
  const given = process.env.LOA_FAULT_SEED;
  const seed = given !== undefined && /^\d+$/.test(given) ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${spec}: seed ${seed} (LOA_FAULT_SEED=${seed} replays it)`);
  return seed;
}

/** mulberry32: small, fast and good enough to spread fault points; the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultFigures {
  runs: number;
  faults: number;
  lines_lost: number;
  duplicates: number;
  [more: string]: number | string;
}

/** One JSON line per spec, for the closing note. */
export function reportFigures(spec: string, figures: FaultFigures): void {
  console.log(JSON.stringify({ fault: spec, ...figures }));
}

/** `PRAGMA integrity_check` on a second, read-only connection (WAL lets it run beside the server's). */
export function integrityCheck(dbFile: string): string {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

export function queryDb<T>(dbFile: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A whole second at least `aheadMs` from now, as the ISO instant the API takes. */
export function secondAhead(aheadMs: number): string {
  return new Date(Math.ceil((Date.now() + aheadMs) / 1000) * 1000).toISOString();
}

export interface Station {
  id: string;
  token: string;
}

export async function createStation(api: Api, code: string): Promise<Station> {
  const unit = await api.ok('POST', '/api/units', { name: `Xã ${code}`, kind: 'Xã' });
  const { station, token } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: `Đài truyền thanh xã ${code}`, code });
  return { id: station.id, token };
}

export interface Programme {
  id: string;
  sha256: string;
  size: number;
  durationMs: number;
}

/** A tone uploaded, normalised and made a programme. */
export async function createProgramme(api: Api, dir: string, title: string, frequency: number, seconds: number): Promise<Programme> {
  const source = await makeTone(join(dir, `${title.replace(/\W+/g, '-')}-${frequency}.wav`), { frequency, seconds });
  return createProgrammeFrom(api, source, title);
}

/** An audio file uploaded, normalised and made a programme. */
export async function createProgrammeFrom(api: Api, source: string, title: string): Promise<Programme> {
  const upload = await api.upload(source);
  if (upload.status !== 201) throw new Error(`upload failed: ${upload.status} ${JSON.stringify(upload.body)}`);
  const asset = await api.waitReady(upload.body.id);
  const programme = await api.ok('POST', '/api/programmes', { title, chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
  return { id: programme.id, sha256: asset.sha256, size: asset.size, durationMs: asset.durationMs };
}

export interface LogbookLine {
  occurrenceId: string;
  slotId: string;
  plannedStart: string;
  actualStart: string | null;
  result: string;
  reason: string | null;
  startErrorMs: number | null;
}

export async function logbookOf(api: Api, stationId: string): Promise<LogbookLine[]> {
  return (await api.ok('GET', `/api/logbook?stationId=${stationId}&limit=1000`)).items as LogbookLine[];
}

/** How many occurrences hold more than one line. */
export function duplicatesIn(lines: readonly { occurrenceId: string }[]): number {
  const seen = new Map<string, number>();
  for (const l of lines) seen.set(l.occurrenceId, (seen.get(l.occurrenceId) ?? 0) + 1);
  return [...seen.values()].filter((n) => n > 1).length;
}

/**
 * A TCP relay between an agent and the server whose link can be cut (every connection dropped, new ones
 * refused) and restored. Media downloads through it are slowed to `bytesPerSecond`, so a cut lands in the
 * middle of one; it can also flip one byte in the body of the next media download.
 */
export class LinkProxy {
  port = 0;
  cuts = 0;
  /** Bytes of media bodies passed to the agent so far. */
  mediaBytes = 0;
  corrupted = 0;
  /** Where each media request asked to start: 0 for a whole file, the resume offset for a Range request. */
  readonly mediaRequests: number[] = [];
  private up = true;
  private corruptNext = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(
    private readonly targetPort: number,
    private readonly bytesPerSecond: number,
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  cut(): void {
    this.up = false;
    this.cuts++;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.up = true;
  }

  /** The next media body gets one byte flipped, a few kilobytes in. */
  corruptNextDownload(): void {
    this.corruptNext = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }

  private accept(client: net.Socket): void {
    if (!this.up) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);

    let media: boolean | null = null;
    let corrupt = false;
    let bodyAt = -1;
    let flipAt = -1;
    client.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
      // A kept-alive connection carries request after request: each starts its own response.
      if (media === null || /^GET \//.test(head)) {
        bodyAt = -1;
        media = /^GET \/api\/media\/files\//.test(head);
        if (media) this.mediaRequests.push(Number(/\r\nrange: bytes=(\d+)-/i.exec(head)?.[1] ?? 0));
        if (media && this.corruptNext) {
          this.corruptNext = false;
          corrupt = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!media) {
        client.write(chunk);
        return;
      }
      let data = chunk;
      let bodyStart = 0;
      if (bodyAt < 0) {
        const end = data.indexOf('\r\n\r\n');
        if (end >= 0) {
          bodyAt = 0;
          bodyStart = end + 4;
        }
      }
      if (bodyAt >= 0) {
        const from = bodyAt;
        bodyAt += data.length - bodyStart;
        if (corrupt && from <= 4096 && bodyAt > 4096) {
          data = Buffer.from(data);
          flipAt = bodyStart + 4096 - from;
          data[flipAt] ^= 0x5a;
          corrupt = false;
        }
      }
      upstream.pause();
      void this.trickle(client, data, bodyAt >= 0 ? bodyStart : data.length, flipAt).then(() => upstream.resume());
      flipAt = -1;
    });
  }

  /**
   * Writes in small pieces at the configured rate, counting the body bytes that reached the agent. A flipped
   * byte counts once it is delivered; if the link is cut first, the next download gets one instead.
   */
  private async trickle(to: net.Socket, data: Buffer, bodyStart: number, flipAt: number): Promise<void> {
    const piece = Math.max(1024, Math.floor(this.bytesPerSecond / 20));
    for (let i = 0; i < data.length; i += piece) {
      if (to.destroyed) break;
      const end = Math.min(data.length, i + piece);
      to.write(data.subarray(i, end));
      this.mediaBytes += Math.max(0, end - Math.max(i, bodyStart));
      if (flipAt >= i && flipAt < end) {
        this.corrupted++;
        flipAt = -1;
      }
      await sleep(50);
    }
    if (flipAt >= 0) this.corruptNext = true;
  }
}
