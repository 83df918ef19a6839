import { Readable, Transform, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { hashingTap } from '../common/hashing-tap';
import type { ManifestFile } from './dossier-manifest';

/**
 * A ZIP written as it streams out: one entry at a time, each hashed and counted on its way in, so the
 * manifest can list every file's sha256 and size without any file being held in memory.
 */
export class DossierZip {
  private readonly zip = new ZipFile();
  readonly files: ManifestFile[] = [];
  private current: Transform | null = null;
  private failure: Error | null = null;

  constructor(private readonly mtime: Date) {}

  get output(): Readable {
    return this.zip.outputStream as Readable;
  }

  /**
   * One entry whose bytes `produce` writes into the given stream (ending it, or leaving that to this).
   * The entry is added only now, after the previous one has gone out, so the producer runs while the
   * ZIP reads it and backpressure reaches it.
   */
  async add(path: string, produce: (out: Writable) => Promise<unknown>, compress = true): Promise<ManifestFile> {
    if (this.failure) throw this.failure;
    const { tap, digest } = hashingTap();
    this.zip.addReadStream(tap, path, { mtime: this.mtime, compress, compressionLevel: compress ? 6 : 0 });
    const done = finished(tap);
    this.current = tap;
    try {
      await produce(tap);
      if (!tap.writableEnded) tap.end();
      await done;
    } catch (err) {
      tap.destroy(err as Error);
      throw this.failure ?? err;
    } finally {
      this.current = null;
    }
    const file = { path, ...digest() };
    this.files.push(file);
    return file;
  }

  /** Small content known in full. */
  addBuffer(path: string, data: Buffer | string): Promise<ManifestFile> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.add(path, async (out) => {
      out.end(bytes);
    });
  }

  /** An entry that is not listed in the manifest: the manifest itself and its signature. */
  addUnlisted(path: string, data: Buffer): void {
    this.zip.addBuffer(data, path, { mtime: this.mtime, compress: true });
  }

  /** Stops the entry being written (its producer's writes fail) and every later one. */
  abort(err: Error): void {
    this.failure ??= err;
    this.current?.destroy(err);
    (this.zip.outputStream as Readable).destroy(err);
  }

  end(): void {
    this.zip.end();
  }
}
