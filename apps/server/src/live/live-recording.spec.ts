import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaStore } from '../media/media-store';
import { LiveRecordings } from './live-recording';

const R1 = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';

describe('LiveRecordings', () => {
  let dir: string;
  let recordings: LiveRecordings;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-live-rec-'));
    recordings = new LiveRecordings(new MediaStore(dir));
    await recordings.init();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores what a relay recorded in the media store under its hash, including what a dead instance recorded before', async () => {
    const before = recordings.open(R1);
    recordings.write(before, Buffer.from('dead instance;'));
    await new Promise<void>((r) => before.stream.end(r));
    expect(await recordings.recordedSoFar(R1)).toBe('dead instance;'.length);

    const rec = recordings.open(R1, await recordings.recordedSoFar(R1));
    for (let i = 0; i < 25; i++) recordings.write(rec, Buffer.from(`g${i};`));
    const kept = await recordings.keep(rec);
    const expected = Buffer.concat([Buffer.from('dead instance;'), ...Array.from({ length: 25 }, (_, i) => Buffer.from(`g${i};`))]);
    expect(kept).toEqual({ sha256: createHash('sha256').update(expected).digest('hex'), size: expected.length });
    expect(await readFile(recordings.pathOf(kept!.sha256))).toEqual(expected);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('keeps nothing of a relay that sent no audio, and leaves no work file behind', async () => {
    const rec = recordings.open(R1);
    expect(await recordings.keep(rec)).toBeNull();
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await recordings.recordedSoFar(R1)).toBe(0);
  });
});
