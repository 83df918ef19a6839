/**
 * The logbook ingest as the benchmarks time it: synthetic lines written through the server's own logbook
 * writer (numbering, hash chain and signed hourly seals included) in transactions of BATCH lines, only the
 * writer's transactions timed. The logbook bench runs it on SQLite and PostgreSQL, the cluster bench on
 * the cluster's PostgreSQL.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../../apps/server/src/app.module';
import { AppConfig } from '../../apps/server/src/config/app-config';
import type { LogbookResult } from '../../apps/server/src/logbook/logbook-line.entity';
import { LineDraft, LogbookWriter } from '../../apps/server/src/logbook/logbook-writer';
import type { Station } from '../../apps/server/src/stations/station.entity';
import { StationsService } from '../../apps/server/src/stations/stations.service';
import { UnitsService } from '../../apps/server/src/units/units.service';

export const STATIONS = 20;
export const BATCH = 5000;
const RESULTS: LogbookResult[] = ['complete', 'complete', 'complete', 'complete', 'complete', 'complete', 'partial', 'missed', 'failed', 'interrupted'];
const YEAR_START = Date.parse('2025-12-31T17:00:00.000Z');

export const log = (msg: string) => {
  const m = process.memoryUsage();
  process.stderr.write(`${msg} (rss ${Math.round(m.rss / 1e6)} MB, heap ${Math.round(m.heapUsed / 1e6)}/${Math.round(m.heapTotal / 1e6)} MB)\n`);
};

export interface Ingest {
  stations: Pick<Station, 'id' | 'name' | 'unitId'>[];
  /** Seconds of wall clock and microseconds of CPU spent in the writer's transactions. */
  ingestS: number;
  writingCpuUs: number;
  seals: number;
  /** CPU seconds the database's own server processes spent on the ingest (PostgreSQL on this machine); null when not measurable. */
  serverCpuS: number | null;
}

/**
 * CPU seconds used so far by the PostgreSQL backends serving `database` on this machine, from /proc: on a
 * shared machine the wall clock measures the neighbours as much as the writer and the server.
 */
function backendCpuS(database: string): number | null {
  let ticks = 0;
  let found = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.startsWith('postgres: ') || !cmd.split(' ').includes(database)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      found = true;
    } catch {
      // The process ended while being read.
    }
  }
  // Clock ticks of 1/100 s, as on every Linux this runs on.
  return found ? ticks / 100 : null;
}

/** Writes `total` lines through the server's logbook writer in transactions of BATCH lines, timing only those. */
export async function ingest(app: INestApplicationContext, total: number, engine: string, database: string | null = null): Promise<Ingest> {
  const unit = await app.get(UnitsService).create({ name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
  const stations: Pick<Station, 'id' | 'name' | 'unitId'>[] = [];
  for (let i = 0; i < STATIONS; i++) stations.push((await app.get(StationsService).create({ unitId: unit.id, name: `Trạm xã số ${i + 1}`, code: `xa-${i + 1}` })).station);

  // Lines spread evenly over a year: each station gets one airing every `step` ms.
  const perStation = Math.ceil(total / STATIONS);
  const step = Math.floor((365 * 86_400_000) / perStation);
  const draft = (k: number): LineDraft => {
    const s = stations[k % STATIONS];
    return benchLine(k, s, YEAR_START + Math.floor(k / STATIONS) * step, {
      occurrenceId: `occ-${k}`,
      slotId: `slot-${k}`,
      programmeId: `prog-${k % 40}`,
      programmeTitle: `Chuyên mục Cải cách hành chính, số ${k % 40}`,
      chuyenMuc: k % 3 ? 'Cải cách hành chính' : 'Chuyển đổi số',
      source: k % 5 ? 'relay' : 'local',
    });
  };


  const writer = app.get(LogbookWriter);
  const db = app.get(DataSource);
  // Only the writer's transactions are timed: making up the synthetic drafts is not the logbook's work.
  let writing = 0;
  // CPU time too: on a shared machine the wall clock measures the neighbours as much as the writer.
  let writingCpuUs = 0;
  const server0 = database ? backendCpuS(database) : null;
  for (let k = 0; k < total; k += BATCH) {
    const batch: LineDraft[] = [];
    for (let j = k; j < Math.min(total, k + BATCH); j++) batch.push(draft(j));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await db.transaction((m) => writer.append(m, batch));
    const cpu = process.cpuUsage(cpu0);
    writingCpuUs += cpu.user + cpu.system;
    writing += performance.now() - t0;
    if ((k / BATCH) % 20 === 0) log(`ingest ${k + batch.length}/${total}`);
  }
  const server1 = database ? backendCpuS(database) : null;
  const serverCpuS = server0 !== null && server1 !== null ? server1 - server0 : null;
  const seals = Number((await db.query('SELECT COUNT(*) AS n FROM logbook_seal'))[0].n);
  const ingestS = writing / 1000;
  const server = serverCpuS === null ? '' : `, ${serverCpuS.toFixed(1)} CPU s in the database server`;
  log(`ingest (${engine}): ${(total / ingestS).toFixed(0)} lines/s, ${(total / (writingCpuUs / 1e6)).toFixed(0)} lines per CPU second of Node${server}, ${seals} signed seals`);
  return { stations, ingestS, writingCpuUs, seals, serverCpuS };
}

/** The same ingest on the (empty) PostgreSQL database `url`, in an application context of its own. */
export async function ingestOnPostgres(total: number, url: string, dir: string): Promise<Ingest> {
  const config = AppConfig.fromEnv({ DATA_DIR: join(dir, 'data-pg'), MEDIA_DIR: join(dir, 'media-pg'), LOG_LEVEL: 'error', DATABASE_URL: url });
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: ['error'] });
  try {
    log('started on PostgreSQL');
    return await ingest(app, total, 'postgres', new URL(url).pathname.slice(1));
  } finally {
    await app.close();
  }
}

/** A synthetic line at `t` (epoch ms): its result cycles through every result by `k`, with the times that go with it. */
export function benchLine(
  k: number,
  s: Pick<Station, 'id' | 'name' | 'unitId'>,
  t: number,
  what: Pick<LineDraft, 'occurrenceId' | 'slotId' | 'programmeId' | 'programmeTitle' | 'chuyenMuc' | 'source'>,
): LineDraft {
  const result = RESULTS[k % RESULTS.length];
  const aired = result !== 'missed' && result !== 'failed';
  return {
    stationId: s.id,
    stationName: s.name,
    unitId: s.unitId,
    occurrenceId: what.occurrenceId,
    slotId: what.slotId,
    programmeId: what.programmeId,
    programmeTitle: what.programmeTitle,
    chuyenMuc: what.chuyenMuc,
    source: what.source,
    topic: null,
    speakerClusters: null,
    priority: 'normal',
    plannedStart: new Date(t).toISOString(),
    actualStart: aired ? new Date(t + 3).toISOString() : null,
    endedAt: aired ? new Date(t + 600_000).toISOString() : null,
    durationMs: aired ? 600_000 : null,
    plannedDurationMs: 600_000,
    startErrorMs: aired ? 2.5 : null,
    result,
    reason: result === 'missed' ? 'missed' : result === 'failed' ? 'player_error' : result === 'interrupted' ? 'preempted' : null,
    detail: null,
    recordedBy: 'tự động',
    createdAt: new Date(t + 601_000).toISOString(),
  };
}

