import { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { runCli } from '../cli';
import { AppConfig } from '../config/app-config';
import { ChainContent, contentHashOf, GENESIS, linkHash, sealDigest } from './chain';
import { LogbookSealer } from './logbook-sealer';
import { LineDraft, LogbookWriter } from './logbook-writer';
import { SealKeys } from './seal-keys';

const HOUR = 3600_000;

/** `n` lines for a station, one every 20 minutes from `start`: hourly seals fall between them. */
function drafts(station: { id: string; name: string; unitId: string }, start: number, n: number, from = 0): LineDraft[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const t = new Date(start + i * 20 * 60_000).toISOString();
    return {
      stationId: station.id,
      stationName: station.name,
      unitId: station.unitId,
      occurrenceId: `occ-${station.id}-${i}`,
      slotId: randomUUID(),
      programmeId: 'prog',
      programmeTitle: 'CCHC',
      chuyenMuc: 'Cải cách hành chính',
      topic: null,
      speakerClusters: null,
      source: 'relay',
      priority: 'normal',
      plannedStart: t,
      actualStart: t,
      endedAt: t,
      durationMs: 60_000,
      plannedDurationMs: 60_000,
      startErrorMs: 1,
      result: 'complete',
      reason: null,
      detail: null,
      recordedBy: 'tự động',
      createdAt: t,
    };
  });
}

type Row = ChainContent & { id: number; chainPos: number; contentHash: string; prevHash: string; lineHash: string };

describe('signed seals: a chain rewritten in the database, or cut short, does not verify', () => {
  let dir: string;
  let config: AppConfig;
  let app: INestApplication;
  let api: Api;
  const stations: Record<string, { id: string; name: string; unitId: string; code: string }> = {};
  const start = Date.parse('2026-11-02T00:10:00.000Z');

  beforeAll(async () => {
    ({ dir, config, app, api } = await startInProcessServer('loa-seals-'));
    const unitId = (await api.ok('POST', '/api/units', { name: 'Xã Cẩm Vịnh', kind: 'Xã' })).id;
    for (const code of ['rewritten', 'reseal-deleted', 'cut-short', 'untouched', 'seal-removed']) {
      const { station } = await api.ok('POST', '/api/stations', { unitId, name: `Trạm ${code}`, code });
      stations[code] = { id: station.id, name: station.name, unitId, code };
    }
    const writer = app.get(LogbookWriter);
    await app.get(DataSource).transaction(async (m) => {
      for (const s of Object.values(stations)) await writer.append(m, drafts(s, start, 15));
    });
    await app.get(LogbookSealer).sealNow();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const verifyOne = async (stationId: string) => (await api.ok('GET', `/api/logbook/verify?stationId=${stationId}`)).stations[0];

  async function publicKeyFile(): Promise<string> {
    const { keys } = await api.ok('GET', '/api/logbook/keys');
    const file = join(dir, 'seal-public.pem');
    writeFileSync(file, keys.map((k: { publicKeyPem: string }) => k.publicKeyPem).join('\n'));
    return file;
  }

  async function cli(...args: string[]): Promise<{ code: number; text: string }> {
    const out: string[] = [];
    const code = await runCli(['logbook', 'verify', '--data-dir', config.dataDir, ...args], (l) => out.push(l), (l) => out.push(l));
    return { code, text: out.join('\n') };
  }

  /** Changes one line and recomputes every hash after it, as someone with the database and the code could. */
  function rewrite(raw: Database.Database, stationId: string, pos: number): void {
    const rows = raw.prepare(`SELECT * FROM logbook_line WHERE stationId = ? ORDER BY chainPos`).all(stationId) as Row[];
    const update = raw.prepare(`UPDATE logbook_line SET result = ?, contentHash = ?, prevHash = ?, lineHash = ? WHERE id = ?`);
    let prev = GENESIS;
    for (const r of rows) {
      if (r.chainPos === pos) r.result = 'missed';
      const contentHash = contentHashOf(r);
      const lineHash = linkHash(prev, contentHash);
      update.run(r.result, contentHash, prev, lineHash, r.id);
      prev = lineHash;
    }
  }

  it('signs every seal with the key made once with mode 0600, and publishes its public key', async () => {
    const mode = statSync(config.sealKeyFile).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(config.sealKeyFile).toBe(join(config.dataDir, 'keys', 'seal-ed25519.pem'));
    const { current, keys } = await api.ok('GET', '/api/logbook/keys');
    expect(keys).toEqual([expect.objectContaining({ fingerprint: current, current: true, publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') })]);
    const raw = new Database(config.databasePath, { readonly: true });
    const seals = raw.prepare(`SELECT * FROM logbook_seal WHERE stationId = ?`).all(stations.untouched.id) as { keyId: string; signature: string }[];
    raw.close();
    // Fifteen lines over five hours: one seal as each later hour's first line came, and the last one by the hourly job.
    expect(seals.length).toBe(5);
    expect(seals.every((s) => s.keyId === current && s.signature.length === 88)).toBe(true);
    expect(await cli('--public-key', await publicKeyFile())).toMatchObject({ code: 0 });
  });

  it('names a line rewritten with the whole chain and the seal digests recomputed, on the server and with the public key alone', async () => {
    const raw = new Database(config.databasePath);
    const id = stations.rewritten.id;
    rewrite(raw, id, 4);
    // The seals are brought in line too: their heads and digests, everything but the signature.
    const rows = raw.prepare(`SELECT chainPos, lineHash FROM logbook_line WHERE stationId = ?`).all(id) as { chainPos: number; lineHash: string }[];
    const hashAt = new Map(rows.map((r) => [r.chainPos, r.lineHash]));
    for (const seal of raw.prepare(`SELECT * FROM logbook_seal WHERE stationId = ?`).all(id) as { id: number; stationId: string; day: string; lineCount: number; lastChainPos: number; createdAt: string; keyId: string }[]) {
      const lastLineHash = hashAt.get(seal.lastChainPos)!;
      raw.prepare(`UPDATE logbook_seal SET lastLineHash = ?, digest = ? WHERE id = ?`).run(lastLineHash, sealDigest({ ...seal, lastLineHash }), seal.id);
    }
    // Another station's rewrite drops the seals instead of forging them.
    rewrite(raw, stations['reseal-deleted'].id, 4);
    raw.prepare(`DELETE FROM logbook_seal WHERE stationId = ?`).run(stations['reseal-deleted'].id);
    raw.close();

    expect(await verifyOne(id)).toMatchObject({ ok: false, firstBreak: { kind: 'seal' } });
    expect(await verifyOne(stations['reseal-deleted'].id)).toMatchObject({ ok: false, firstBreak: { kind: 'unsealed', chainPos: 1 } });
    expect(await verifyOne(stations.untouched.id)).toMatchObject({ ok: true });
    const keyFile = await publicKeyFile();
    const one = await cli('--public-key', keyFile, '--station', 'rewritten');
    expect(one.code).toBe(1);
    expect(one.text).toMatch(/rewritten .*\[seal\].*Chữ ký của niêm phong/);
    expect((await cli('--public-key', keyFile, '--station', 'reseal-deleted')).text).toMatch(/\[unsealed\]/);
    expect((await cli('--public-key', keyFile, '--station', 'untouched')).code).toBe(0);
  });

  it('names the newest unsealed lines deleted from the database once the next seal is made', async () => {
    const s = stations['cut-short'];
    const writer = app.get(LogbookWriter);
    // Three more lines written now, not sealed yet; then the last two are deleted behind the server's back.
    const now = Date.now();
    await app.get(DataSource).transaction((m) => writer.append(m, drafts(s, start + 6 * HOUR, 3, 0).map((d, i) => ({ ...d, occurrenceId: `late-${i}`, createdAt: new Date(now + i).toISOString() }))));
    const raw = new Database(config.databasePath);
    raw.prepare(`DELETE FROM logbook_line WHERE stationId = ? AND chainPos > 16`).run(s.id);
    raw.close();
    // Nothing shows yet: no seal covered them.
    const early = await verifyOne(s.id);
    expect(early.firstBreak).toBeNull();
    expect(early).toMatchObject({ ok: true, checked: 16 });
    await app.get(LogbookSealer).sealNow();
    expect(await verifyOne(s.id)).toMatchObject({ ok: false, firstBreak: { kind: 'deleted', chainPos: 18 } });
    expect((await cli('--public-key', await publicKeyFile(), '--station', 'cut-short')).code).toBe(1);
  });

  it('signs the hourly seals of a backlog written at once with one signature, and names a seal taken out of it', async () => {
    const raw = new Database(config.databasePath);
    const signatures = (stationId: string) =>
      (raw.prepare(`SELECT signature FROM logbook_seal WHERE stationId = ? ORDER BY lastChainPos`).all(stationId) as { signature: string }[]).map((r) => r.signature);
    // Four hours' seals from the one append share its signature; the hourly job's seal has its own.
    const untouched = signatures(stations.untouched.id);
    expect(untouched).toHaveLength(5);
    expect(new Set(untouched.slice(0, 4)).size).toBe(1);
    expect(untouched[4]).not.toBe(untouched[0]);
    // A range ending inside the run is checked with the whole run.
    const from = new Date(start + 40 * 60_000).toISOString();
    const to = new Date(start + 130 * 60_000).toISOString();
    const ranged = (await api.ok('GET', `/api/logbook/verify?stationId=${stations.untouched.id}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).stations[0];
    expect(ranged).toMatchObject({ ok: true, checked: 5, sealsChecked: 2 });

    const s = stations['seal-removed'];
    raw.prepare(`DELETE FROM logbook_seal WHERE stationId = ? AND lastChainPos = (SELECT MIN(lastChainPos) FROM logbook_seal WHERE stationId = ? AND lastChainPos > (SELECT MIN(lastChainPos) FROM logbook_seal WHERE stationId = ?))`).run(s.id, s.id, s.id);
    raw.close();
    expect(await verifyOne(s.id)).toMatchObject({ ok: false, firstBreak: { kind: 'seal' } });
    expect((await cli('--public-key', await publicKeyFile(), '--station', 'seal-removed')).code).toBe(1);
  });

  it('fails with the wrong public key, and keeps old public keys when the key is rotated', async () => {
    const wrong = join(dir, 'wrong.pem');
    writeFileSync(wrong, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const res = await cli('--public-key', wrong, '--station', 'untouched');
    expect(res.code).toBe(1);
    expect(res.text).toMatch(/\[seal\].*khóa lạ/);
    expect((await cli('--public-key', join(dir, 'missing.pem'))).code).toBe(2);

    const before = app.get(SealKeys).fingerprint;
    rmSync(config.sealKeyFile);
    const rotated = new SealKeys(config);
    expect(rotated.fingerprint).not.toBe(before);
    expect(rotated.published().map((k) => [k.fingerprint, k.current])).toEqual([
      [rotated.fingerprint, true],
      [before, false],
    ]);
  });
});
