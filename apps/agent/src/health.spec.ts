import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentHealth } from '@loa/protocol';
import { collectHealth, missingMedia, readTemperature } from './health';
import { agentItem as item } from '../../../test/support/agent/items';

const T0 = Date.parse('2026-12-05T22:00:00.000Z');
const sha = (c: string) => c.repeat(64);

describe('what the station box reports about itself', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-health-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists each missing file once, with the earliest airing that needs it, leaving out played, past and far airings', () => {
    const items = [
      item('later', T0 + 5 * 3600_000, { media: { sha256: sha('a'), size: 1, durationMs: 60_000, url: '/x' } }),
      item('sooner', T0 + 3600_000, { media: { sha256: sha('a'), size: 1, durationMs: 60_000, url: '/x' } }),
      item('cached', T0 + 1800_000, { media: { sha256: sha('b'), size: 1, durationMs: 60_000, url: '/x' } }),
      item('played', T0 + 600_000, { media: { sha256: sha('c'), size: 1, durationMs: 60_000, url: '/x' } }),
      item('over', T0 - 3600_000, { media: { sha256: sha('d'), size: 1, durationMs: 60_000, url: '/x' } }),
      item('beyond', T0 + 49 * 3600_000, { media: { sha256: sha('e'), size: 1, durationMs: 60_000, url: '/x' } }),
      item('next', T0 + 60_000, { media: { sha256: sha('f'), size: 1, durationMs: 60_000, url: '/x' } }),
    ];
    const missing = missingMedia(items, (s) => s === sha('b'), (id) => id === 'played', T0, 48 * 3600_000);
    expect(missing).toEqual([
      { sha256: sha('f'), neededAt: new Date(T0 + 60_000).toISOString(), title: 'Chuyên mục CCHC next' },
      { sha256: sha('a'), neededAt: new Date(T0 + 3600_000).toISOString(), title: 'Chuyên mục CCHC sooner' },
    ]);
  });

  it('reads the hottest thermal zone in °C and skips a zone that cannot be read', async () => {
    for (const [zone, text] of [['thermal_zone0', '47250\n'], ['thermal_zone1', '61800\n'], ['thermal_zone2', 'garbage\n']] as const) {
      await mkdir(join(dir, zone));
      await writeFile(join(dir, zone, 'temp'), text);
    }
    await mkdir(join(dir, 'thermal_zone3'));
    await mkdir(join(dir, 'cooling_device0'));
    expect(await readTemperature(dir)).toBe(61.8);
  });

  it('says null where the box has no thermal sensor', async () => {
    expect(await readTemperature(join(dir, 'absent'))).toBeNull();
    expect(await readTemperature(dir)).toBeNull();
  });

  it('measures disk space, the clock offset and uptimes in a report the server accepts', async () => {
    const health = await collectHealth({
      cacheDir: dir,
      clock: { offsetMs: -742.6, roundTripMs: 12.4 },
      items: [item('x', T0 + 60_000)],
      has: () => false,
      done: () => false,
      now: T0,
      lookaheadHours: 48,
      agentUptimeS: 93.7,
      thermalDir: join(dir, 'none'),
    });
    expect(AgentHealth.safeParse(health).success).toBe(true);
    expect(health.clockOffsetMs).toBe(-743);
    expect(health.clockRoundTripMs).toBe(12);
    expect(health.diskTotalBytes).toBeGreaterThan(0);
    expect(health.diskFreeBytes).toBeGreaterThanOrEqual(0);
    expect(health.diskFreeBytes!).toBeLessThanOrEqual(health.diskTotalBytes!);
    expect(health.agentUptimeS).toBe(93);
    expect(health.temperatureC).toBeNull();
    expect(health.missing).toHaveLength(1);
    expect(health.measuredAt).toBe(new Date(T0).toISOString());
  });

  it('reports no clock offset before the first ping was answered', async () => {
    const health = await collectHealth({ cacheDir: dir, clock: null, items: [], has: () => true, done: () => false, now: T0, lookaheadHours: 48, agentUptimeS: 0 });
    expect(health.clockOffsetMs).toBeNull();
    expect(health.clockRoundTripMs).toBeNull();
  });
});
