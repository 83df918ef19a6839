import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaStore } from './media-store';

describe('MediaStore', () => {
  let root: string;
  let outside: string;
  let store: MediaStore;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'loa-store-'));
    outside = mkdtempSync(join(tmpdir(), 'loa-src-'));
    store = new MediaStore(root);
    await store.init();
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('files content under sha256/<first two hex>/<sha256>.<ext> with the right hash and size', async () => {
    const bytes = randomBytes(10_000);
    const temp = store.tempPath('.mp3');
    writeFileSync(temp, bytes);

    const stored = await store.importFile(temp, 'mp3');

    expect(stored).toEqual({ sha256: sha(bytes), size: bytes.length });
    const path = store.pathOf(stored.sha256, 'mp3');
    expect(path).toBe(join(root, 'sha256', stored.sha256.slice(0, 2), `${stored.sha256}.mp3`));
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(await store.has(stored.sha256, 'mp3')).toBe(true);
    expect(existsSync(temp)).toBe(false);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it.each([
    ['a work file in tmp/ (renamed into place)', true],
    ['a file elsewhere (copied through tmp/ first)', false],
  ])('never shows a partial file at the final path while importing %s', async (_label, inTmp) => {
    const bytes = randomBytes(24 * 1024 * 1024);
    const expected = sha(bytes);
    const source = inTmp ? store.tempPath('.wav') : join(outside, 'big.wav');
    writeFileSync(source, bytes);
    const finalPath = store.pathOf(expected, 'wav');

    let done = false;
    const sizesSeen = new Set<number>();
    const importing = store.importFile(source, 'wav').finally(() => (done = true));
    while (!done) {
      if (existsSync(finalPath)) sizesSeen.add(statSync(finalPath).size);
      await new Promise((r) => setImmediate(r));
    }
    await importing;

    for (const size of sizesSeen) expect(size).toBe(bytes.length);
    expect(sha(readFileSync(finalPath))).toBe(expected);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(existsSync(source)).toBe(false);
  });

  it('is idempotent: importing the same bytes again keeps one file and consumes the new source', async () => {
    const bytes = randomBytes(5000);
    const first = store.tempPath();
    writeFileSync(first, bytes);
    const a = await store.importFile(first, 'ogg');
    const mtime = statSync(store.pathOf(a.sha256, 'ogg')).mtimeMs;

    const second = join(outside, 'again.ogg');
    writeFileSync(second, bytes);
    const b = await store.importFile(second, 'ogg');

    expect(b).toEqual(a);
    expect(statSync(store.pathOf(a.sha256, 'ogg')).mtimeMs).toBe(mtime);
    expect(readdirSync(join(root, 'sha256', a.sha256.slice(0, 2)))).toEqual([`${a.sha256}.ogg`]);
    expect(existsSync(second)).toBe(false);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('leaves nothing behind when the source cannot be read', async () => {
    await expect(store.importFile(join(outside, 'missing.mp3'), 'mp3')).rejects.toThrow();
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(readdirSync(join(root, 'sha256'))).toEqual([]);
  });

  it('refuses hashes and extensions that could escape the store', () => {
    expect(() => store.pathOf('../../etc/passwd', 'mp3')).toThrow();
    expect(() => store.pathOf('a'.repeat(64), '../x')).toThrow();
    expect(() => store.pathOf('A'.repeat(64), 'mp3')).toThrow();
  });

  it('writes a new work file once, tells its size, and discards it (twice is fine)', async () => {
    const temp = store.tempPath('.wav');
    await store.writeTemp(temp, Buffer.from('RIFF1234'));
    await expect(store.writeTemp(temp, Buffer.from('again'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await store.sizeOf(temp)).toBe(8);
    await store.discard(temp);
    await store.discard(temp);
    expect(existsSync(temp)).toBe(false);
  });

  it('cleans work files older than the threshold and keeps fresh ones', async () => {
    const stale = store.tempPath();
    const fresh = store.tempPath();
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'y');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);

    expect(await store.cleanTemp(3600_000, Date.now())).toBe(1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});
