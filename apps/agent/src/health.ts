import { readdir, readFile, statfs } from 'node:fs/promises';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { toInstant, type AgentHealth, type MissingMedia } from '@loa/protocol';
import { plannedAtOf, type AgentItem } from './schedule-items';

/** Where Linux lists the box's temperature sensors. */
export const THERMAL_DIR = '/sys/class/thermal';
/** The report lists at most this many missing files; the count beyond it is still in the status. */
const MISSING_LISTED = 200;

/**
 * The files the airings of the look-ahead window need that the cache does not hold, each with the first
 * airing that needs it, earliest first. Airings already played, skipped or over are left out: a file
 * nobody will play again is no reason to worry.
 */
export function missingMedia(
  items: readonly AgentItem[],
  has: (sha256: string) => boolean,
  done: (occurrenceId: string) => boolean,
  now: number,
  lookaheadMs: number,
): MissingMedia[] {
  const first = new Map<string, MissingMedia & { at: number }>();
  for (const item of items) {
    const at = item.startMs;
    if (at + item.durationMs <= now || at >= now + lookaheadMs || done(item.occurrenceId) || has(item.media.sha256)) continue;
    const known = first.get(item.media.sha256);
    if (!known || at < known.at) first.set(item.media.sha256, { sha256: item.media.sha256, neededAt: plannedAtOf(item), title: item.programme.title, at });
  }
  return [...first.values()]
    .sort((a, b) => a.at - b.at)
    .slice(0, MISSING_LISTED)
    .map(({ sha256, neededAt, title }) => ({ sha256, neededAt, title }));
}

/**
 * The hottest thermal zone in °C, or null where the box exposes none (a VM, a container, most PCs
 * without the driver). Zones that cannot be read are skipped: one broken sensor must not hide the others.
 */
export async function readTemperature(dir = THERMAL_DIR): Promise<number | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  let hottest: number | null = null;
  for (const name of names.filter((n) => n.startsWith('thermal_zone'))) {
    const text = await readFile(join(dir, name, 'temp'), 'utf8').catch(() => null);
    const milli = text === null ? NaN : Number(text.trim());
    // The kernel reports millidegrees; a value outside any real box's range is a sensor fault.
    if (!Number.isFinite(milli) || milli < -100_000 || milli > 300_000) continue;
    const c = Math.round(milli / 100) / 10;
    if (hottest === null || c > hottest) hottest = c;
  }
  return hottest;
}

export async function diskSpace(path: string): Promise<{ free: number; total: number } | null> {
  try {
    const s = await statfs(path);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

export interface HealthInputs {
  cacheDir: string;
  /** Server time minus the system clock and the round trip it was measured with; null before any ping. */
  clock: { offsetMs: number; roundTripMs: number } | null;
  items: readonly AgentItem[];
  has: (sha256: string) => boolean;
  done: (occurrenceId: string) => boolean;
  /** Server time, epoch ms. */
  now: number;
  lookaheadHours: number;
  agentUptimeS: number;
  thermalDir?: string;
}

/** Measures what the station box reports about itself. */
export async function collectHealth(input: HealthInputs): Promise<AgentHealth> {
  const disk = await diskSpace(input.cacheDir);
  return {
    clockOffsetMs: input.clock ? Math.round(input.clock.offsetMs) : null,
    clockRoundTripMs: input.clock ? Math.max(0, Math.round(input.clock.roundTripMs)) : null,
    diskFreeBytes: disk ? disk.free : null,
    diskTotalBytes: disk ? disk.total : null,
    lookaheadHours: input.lookaheadHours,
    missing: missingMedia(input.items, input.has, input.done, input.now, input.lookaheadHours * 3600_000),
    agentUptimeS: Math.max(0, Math.floor(input.agentUptimeS)),
    systemUptimeS: Math.floor(uptime()),
    temperatureC: await readTemperature(input.thermalDir),
    measuredAt: toInstant(Math.floor(input.now)),
  };
}
