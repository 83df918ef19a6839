import { createHash, type KeyObject } from 'node:crypto';
import type { Readable } from 'node:stream';
import { open, type Entry, type ZipFile } from 'yauzl';
import { judgeDossier, MANIFEST_PATH, SIGNATURE_PATH, type DossierReport, type ZipEntryDigest } from './dossier-manifest';

/** Manifest and signature files are small; a larger one is not ours and is not read into memory. */
const SMALL_FILE_LIMIT = 64 * 1024 * 1024;
const EMBEDDED_KEY_PATH = 'khoa-cong-khai.pem';

export class DossierUnreadable extends Error {}

/**
 * Checks a dossier ZIP offline: every entry is read and hashed (one at a time, so memory stays flat however
 * large the audio), then judged against the signed manifest. With no `keys`, the public key the dossier
 * carries is used, and the report says so: then only the fingerprint, compared with the one published,
 * ties the dossier to the server.
 */
export async function verifyDossierZip(path: string, keys: ReadonlyMap<string, KeyObject> | null, parseKeys: (pem: string) => Map<string, KeyObject>): Promise<DossierReport> {
  const zip = await openZip(path);
  const digests: ZipEntryDigest[] = [];
  const small = new Map<string, Buffer>();
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) break;
      if (entry.fileName.endsWith('/')) continue;
      const keep = [MANIFEST_PATH, SIGNATURE_PATH, EMBEDDED_KEY_PATH].includes(entry.fileName) && entry.uncompressedSize <= SMALL_FILE_LIMIT;
      const stream = await openEntry(zip, entry);
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        if (keep) chunks.push(chunk);
      }
      if (keep) small.set(entry.fileName, Buffer.concat(chunks));
      digests.push({ path: entry.fileName, sha256: hash.digest('hex'), size });
    }
  } catch (e) {
    throw new DossierUnreadable((e as Error).message);
  } finally {
    zip.close();
  }
  const trusted = keys ?? parseKeys(small.get(EMBEDDED_KEY_PATH)?.toString('utf8') ?? '');
  return judgeDossier(digests, small.get(MANIFEST_PATH) ?? null, small.get(SIGNATURE_PATH) ?? null, trusted, keys !== null);
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    open(path, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, zip) => (err ? reject(new DossierUnreadable(err.message)) : resolve(zip))),
  );
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Entry) => done(null, e);
    const onEnd = () => done(null, null);
    const onError = (err: Error) => done(err, null);
    const done = (err: Error | null, e: Entry | null) => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      if (err) reject(err);
      else resolve(e);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
}

export { EMBEDDED_KEY_PATH };
