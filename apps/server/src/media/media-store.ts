import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { hashingTap, type Digest } from '../common/hashing-tap';
import { pipeline } from 'node:stream/promises';

const SHA256 = /^[0-9a-f]{64}$/;
const EXT = /^[a-z0-9]{1,10}$/;

export type StoredFile = Digest;

/**
 * Where the audio lives, as the media services see it: content-addressed, immutable files named by sha256,
 * with a local work folder for uploads and conversions. Several server instances may share one store.
 * `MediaStore` keeps it on a directory; an object store can take its place behind the same methods
 * (keeping a local copy for `pathOf`, which ffmpeg and file downloads read).
 */
export abstract class MediaStorage {
  /** The local folder where uploads and conversions write before `importFile`. */
  abstract readonly tmpDir: string;
  abstract init(): Promise<void>;
  abstract pathOf(sha256: string, ext: string): string;
  abstract has(sha256: string, ext: string): Promise<boolean>;
  abstract tempPath(suffix?: string): string;
  abstract importFile(tempPath: string, ext: string): Promise<StoredFile>;
  abstract remove(sha256: string, ext: string): Promise<void>;
  abstract cleanTemp(olderThanMs: number, now: number): Promise<number>;
  /** Writes a new work file; one already there is an error. */
  abstract writeTemp(path: string, data: Buffer): Promise<void>;
  /** Deletes a work file; gone already is fine. */
  abstract discard(path: string): Promise<void>;
  /** The size in bytes of a local file (a work file or one from `pathOf`). */
  abstract sizeOf(path: string): Promise<number>;
}

/**
 * Content-addressed, immutable audio files under one root (MEDIA_DIR, which several instances may share,
 * e.g. over NFS or one Compose volume):
 * `<root>/sha256/<first two hex>/<sha256>.<ext>`, with work files in `<root>/tmp/`.
 *
 * A file reaches its final name only by rename after it was written in full and fsynced,
 * so a reader (or a crash) never sees half a file there. Two instances writing the same bytes at once both
 * rename a complete file onto the same name, which leaves it complete; work files carry random names, and
 * only those untouched for long are cleaned, so one instance never removes another's file in progress.
 */
export class MediaStore extends MediaStorage {
  readonly tmpDir: string;
  private readonly filesDir: string;

  constructor(readonly root: string) {
    super();
    this.tmpDir = join(root, 'tmp');
    this.filesDir = join(root, 'sha256');
  }

  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(this.filesDir, { recursive: true });
  }

  static isSha256(value: string): boolean {
    return SHA256.test(value);
  }

  pathOf(sha256: string, ext: string): string {
    // Both parts become a path, so refuse anything that could climb out of the store.
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    if (!EXT.test(ext)) throw new Error(`not a file extension: ${ext}`);
    return join(this.filesDir, sha256.slice(0, 2), `${sha256}.${ext}`);
  }

  async has(sha256: string, ext: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256, ext))).isFile();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** A fresh name in the store's work folder; nothing is created. */
  tempPath(suffix = ''): string {
    return join(this.tmpDir, `${randomBytes(16).toString('hex')}${suffix}`);
  }

  /**
   * Moves `tempPath` into the store under its sha256 and returns its hash and size. The source is consumed:
   * renamed into place, or deleted when the store already holds the same bytes (importing is idempotent).
   * A source outside the work folder is copied there first, so the rename stays on one file system.
   */
  async importFile(tempPath: string, ext: string): Promise<StoredFile> {
    if (!EXT.test(ext)) throw new Error(`not a file extension: ${ext}`);
    let source = tempPath;
    let hashed: StoredFile;
    try {
      if (this.isInTmp(tempPath)) {
        hashed = await hashFile(tempPath);
        await fsyncFile(tempPath);
      } else {
        source = this.tempPath(`.${ext}`);
        hashed = await copyHashing(tempPath, source);
        await unlink(tempPath);
      }
      const target = this.pathOf(hashed.sha256, ext);
      if (await this.has(hashed.sha256, ext)) {
        await unlink(source);
        return hashed;
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(source, target);
      await fsyncDir(dirname(target));
      return hashed;
    } catch (err) {
      await rm(source, { force: true });
      throw err;
    }
  }

  /** Deletes a stored file; gone already is fine. */
  async remove(sha256: string, ext: string): Promise<void> {
    await rm(this.pathOf(sha256, ext), { force: true });
  }

  async writeTemp(path: string, data: Buffer): Promise<void> {
    await writeFile(path, data, { flag: 'wx' });
  }

  async discard(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async sizeOf(path: string): Promise<number> {
    return (await stat(path)).size;
  }

  /**
   * Deletes work files not touched for `olderThanMs`: leftovers of uploads or transcodes cut short by a crash.
   * Files still being written keep a fresh mtime, so another process sharing the folder is not disturbed.
   */
  async cleanTemp(olderThanMs: number, now: number): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      try {
        const info = await stat(path);
        if (info.isFile() && now - info.mtimeMs >= olderThanMs) {
          await unlink(path);
          removed++;
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return removed;
  }

  private isInTmp(path: string): boolean {
    const rel = relative(this.tmpDir, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  }
}

async function hashFile(path: string): Promise<StoredFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function copyHashing(from: string, to: string): Promise<StoredFile> {
  const { tap, digest } = hashingTap();
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx' }));
  await fsyncFile(to);
  return digest();
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the rename itself durable. Some platforms cannot fsync a directory; the file's own fsync still holds. */
async function fsyncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Best effort only: see above.
  } finally {
    await handle?.close();
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
