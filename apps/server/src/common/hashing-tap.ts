import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** The sha256 (hex) and byte count of what went through a tap. */
export interface Digest {
  sha256: string;
  size: number;
}

/**
 * A pass-through stream that hashes and counts what flows through it, so a file can be checked on its way
 * somewhere without being read twice. `digest()` is for after the stream has ended.
 */
export function hashingTap(): { tap: Transform; digest: () => Digest } {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { tap, digest: () => ({ sha256: hash.digest('hex'), size }) };
}
