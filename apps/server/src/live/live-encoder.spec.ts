import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTone } from '../../../../test/support/audio';
import { GROUP_MS, LiveEncoder, type EncodedGroup } from './live-encoder';

/** Holds the thread for `ms`, as a fan-out to thousands of sockets does. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spinning on purpose
  }
}

describe('LiveEncoder pacing', () => {
  let dir: string;
  let tone: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-live-encoder-'));
    tone = await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends each group at its own instant even when sending one takes most of a group', async () => {
    const sendMs = Math.round(GROUP_MS * 0.6);
    const lateness: number[] = [];
    const groups: EncodedGroup[] = [];
    await new Promise<void>((resolve, reject) => {
      const encoder = new LiveEncoder(
        { kind: 'file', path: tone, format: 'wav' },
        () => Date.now(),
        (g) => {
          lateness.push(Date.now() - g.at);
          groups.push(g);
          busy(sendMs);
        },
        (error) => (error ? reject(new Error(error)) : resolve()),
      );
      encoder.start();
    });
    expect(groups.length).toBeGreaterThanOrEqual(18);
    // Consecutive groups are stamped a group's length apart, and each leaves near its stamp: a pacer that
    // counted from before the previous send would leave every group `sendMs` late.
    for (let i = 1; i < groups.length; i++) expect(groups[i].at - groups[i - 1].at).toBeCloseTo(groups[i - 1].durationMs, 2);
    const sorted = [...lateness.slice(1)].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(sendMs / 2);
  });

  it('begins a file where a relay taken over left it: only the rest of the file is encoded', async () => {
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const encoder = new LiveEncoder(
        { kind: 'file', path: tone, format: 'wav', startMs: 1500 },
        () => Date.now(),
        (g) => (total += g.durationMs),
        (error) => (error ? reject(new Error(error)) : resolve()),
      );
      encoder.start();
    });
    // Half a second of the two-second tone, give or take an MP3 frame or two.
    expect(total).toBeGreaterThan(400);
    expect(total).toBeLessThan(700);
  });
});
