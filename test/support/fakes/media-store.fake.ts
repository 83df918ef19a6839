import { createHash } from 'node:crypto';
import { MediaStorage, type StoredFile } from '../../../apps/server/src/media/media-store';

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file, '${path}'`), { code: 'ENOENT' });
}

/**
 * The media store in memory: every file (work file or stored) is a path → bytes entry, named the way the
 * directory store names them, so a spec can look at what was kept, written and thrown away.
 */
export class InMemoryMediaStore extends MediaStorage {
  readonly tmpDir = '/media/tmp';
  readonly files = new Map<string, Buffer>();
  /** Work files passed to `discard`, in order. */
  readonly discarded: string[] = [];
  inits = 0;
  private next = 0;

  async init(): Promise<void> {
    this.inits++;
  }

  pathOf(sha256: string, ext: string): string {
    return `/media/sha256/${sha256}.${ext}`;
  }

  async has(sha256: string, ext: string): Promise<boolean> {
    return this.files.has(this.pathOf(sha256, ext));
  }

  tempPath(suffix = ''): string {
    return `${this.tmpDir}/work-${++this.next}${suffix}`;
  }

  async importFile(tempPath: string, ext: string): Promise<StoredFile> {
    const data = this.files.get(tempPath);
    if (!data) throw enoent(tempPath);
    const sha256 = createHash('sha256').update(data).digest('hex');
    this.files.delete(tempPath);
    this.files.set(this.pathOf(sha256, ext), data);
    return { sha256, size: data.length };
  }

  async remove(sha256: string, ext: string): Promise<void> {
    this.files.delete(this.pathOf(sha256, ext));
  }

  async cleanTemp(): Promise<number> {
    return 0;
  }

  async writeTemp(path: string, data: Buffer): Promise<void> {
    if (this.files.has(path)) throw Object.assign(new Error(`EEXIST: '${path}'`), { code: 'EEXIST' });
    this.files.set(path, Buffer.from(data));
  }

  async discard(path: string): Promise<void> {
    this.discarded.push(path);
    this.files.delete(path);
  }

  async sizeOf(path: string): Promise<number> {
    const data = this.files.get(path);
    if (!data) throw enoent(path);
    return data.length;
  }

  /** The files kept under their hash (not work files), as `<sha256>.<ext>`. */
  stored(): string[] {
    return [...this.files.keys()].filter((p) => !p.startsWith(this.tmpDir)).map((p) => p.split('/').pop()!).sort();
  }

  /** The work files still there. */
  workFiles(): string[] {
    return [...this.files.keys()].filter((p) => p.startsWith(this.tmpDir));
  }
}
