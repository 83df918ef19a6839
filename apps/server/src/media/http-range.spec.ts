import { decideRange } from './http-range';

describe('decideRange: what a Range header asks of a 1000-byte file', () => {
  const size = 1000;

  it('serves the whole file when there is no Range header', () => {
    expect(decideRange(undefined, size)).toEqual({ kind: 'full' });
  });

  it('serves the first hundred bytes for bytes=0-99', () => {
    expect(decideRange('bytes=0-99', size)).toEqual({ kind: 'partial', start: 0, end: 99 });
  });

  it('serves from an offset to the end for bytes=100- (resuming a download)', () => {
    expect(decideRange('bytes=100-', size)).toEqual({ kind: 'partial', start: 100, end: 999 });
  });

  it('serves the last fifty bytes for bytes=-50', () => {
    expect(decideRange('bytes=-50', size)).toEqual({ kind: 'partial', start: 950, end: 999 });
  });

  it('serves the whole file as a range when a suffix is longer than the file', () => {
    expect(decideRange('bytes=-5000', size)).toEqual({ kind: 'partial', start: 0, end: 999 });
  });

  it('clamps an end beyond the file to its last byte', () => {
    expect(decideRange('bytes=900-5000', size)).toEqual({ kind: 'partial', start: 900, end: 999 });
  });

  it('answers unsatisfiable when the range starts at or beyond the end', () => {
    expect(decideRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=2000-3000', size)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=99999999999999999999999-', size)).toEqual({ kind: 'unsatisfiable' });
  });

  it('answers unsatisfiable for an empty suffix (bytes=-0)', () => {
    expect(decideRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each(['bytes=abc', 'bytes=5-2', 'items=0-10', 'bytes=-', 'bytes 0-10', 'bytes=0-10x', ''])(
    'ignores the malformed header %p and serves the whole file',
    (header) => {
      expect(decideRange(header, size)).toEqual({ kind: 'full' });
    },
  );

  it('refuses several ranges at once by serving the whole file', () => {
    expect(decideRange('bytes=0-10,20-30', size)).toEqual({ kind: 'full' });
  });

  it('tolerates spaces around the header value', () => {
    expect(decideRange('  bytes=10-19 ', size)).toEqual({ kind: 'partial', start: 10, end: 19 });
  });
});
