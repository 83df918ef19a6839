import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashingTap } from './hashing-tap';

describe('a hashing tap', () => {
  it('passes every byte on unchanged and gives the sha256 and size of them all', async () => {
    const chunks = [Buffer.from('Bản tin '), Buffer.alloc(70_000, 7), Buffer.from('kết thúc')];
    const { tap, digest } = hashingTap();
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      tap,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    const whole = Buffer.concat(chunks);
    expect(Buffer.concat(out).equals(whole)).toBe(true);
    expect(digest()).toEqual({ sha256: createHash('sha256').update(whole).digest('hex'), size: whole.length });
  });
});
