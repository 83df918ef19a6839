/**
 * Logbook benchmark: writes N lines through the server's own logbook writer (numbering, hash chain and
 * signed hourly seals included) in transactions of BATCH lines, then exports them as CSV, XLSX and PDF, and times a
 * plain better-sqlite3 iterate-and-write CSV of the same rows as the baseline.
 * Prints one JSON line on stdout; progress goes to stderr. `--lines N` for a quick run.
 * With `--pg` (a throw-away PostgreSQL cluster from Debian's binaries, as the tests start it) or a
 * `DATABASE_URL` naming an empty PostgreSQL database, the same ingest runs on PostgreSQL too
 * (`ingest_per_s_pg`); the exports are timed on SQLite only.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import Database from 'better-sqlite3';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { AppModule } from '../../apps/server/src/app.module';
import type { Principal } from '../../apps/server/src/auth/principal';
import { DossierService } from '../../apps/server/src/dossier/dossier.service';
import { Programme } from '../../apps/server/src/programmes/programme.entity';
import { AppConfig } from '../../apps/server/src/config/app-config';
import { createDatabase, PG_MISSING, postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { csvLine } from '../../apps/server/src/logbook/csv';
import { LineDraft, LogbookWriter } from '../../apps/server/src/logbook/logbook-writer';
import { LogbookService } from '../../apps/server/src/logbook/logbook.service';
import type { Station } from '../../apps/server/src/stations/station.entity';
import { StationsService } from '../../apps/server/src/stations/stations.service';
import { UnitsService } from '../../apps/server/src/units/units.service';
import { BATCH, benchLine, ingest, ingestOnPostgres, log, STATIONS, type Ingest } from './logbook-ingest';

const run = promisify(execFile);

async function toFile(path: string, run: (out: WriteStream) => Promise<unknown>): Promise<number> {
  const out = createWriteStream(path);
  const t0 = performance.now();
  await run(out);
  if (!out.writableFinished) {
    out.end();
    await once(out, 'finish');
  }
  return (performance.now() - t0) / 1000;
}

/**
 * The ingest on PostgreSQL: on the database DATABASE_URL names, or with `--pg` on a throw-away
 * cluster. Null when neither is asked for.
 */
async function ingestOnAnyPostgres(total: number, usePg: boolean, dir: string): Promise<Ingest | null> {
  let url = process.env.DATABASE_URL;
  let cluster: PgCluster | null = null;
  if (!url) {
    if (!usePg) return null;
    if (!postgresAvailable()) {
      process.stderr.write(`${PG_MISSING}\n`);
      return null;
    }
    cluster = await startPostgres();
    url = await createDatabase(cluster.url('postgres'), 'loa_bench');
  }
  try {
    return await ingestOnPostgres(total, url, dir);
  } finally {
    cluster?.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' }, pg: { type: 'boolean', default: false }, 'dossier-lines': { type: 'string', default: '100000' } } });
  const total = Number(values.lines);
  if (!Number.isInteger(total) || total < STATIONS) throw new Error('--lines must be a whole number of at least 20');
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-logbook-'));
  const config = AppConfig.fromEnv({ DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), LOG_LEVEL: 'error' });
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: ['error'] });
  try {
    log('started');
    const { stations, ingestS, writingCpuUs, seals } = await ingest(app, total, 'sqlite');

    const logbook = app.get(LogbookService);
    const csvS = await toFile(join(dir, 'logbook.csv'), (out) =>
      logbook.exportCsv({}, async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      }),
    );
    log(`csv: ${csvS.toFixed(2)} s, ${((await stat(join(dir, 'logbook.csv'))).size / 1e6).toFixed(0)} MB`);

    const baselineS = await toFile(join(dir, 'baseline.csv'), async (out) => {
      const raw = new Database(config.databasePath, { readonly: true });
      try {
        for (const row of raw.prepare('SELECT * FROM logbook_line ORDER BY id').iterate() as Iterable<Record<string, string | number | null>>) {
          if (!out.write(csvLine(Object.values(row)))) await once(out, 'drain');
        }
      } finally {
        raw.close();
      }
    });
    log(`baseline csv: ${baselineS.toFixed(2)} s`);

    const xlsxS = await toFile(join(dir, 'logbook.xlsx'), (out) => logbook.exportXlsx({}, out));
    log(`xlsx: ${xlsxS.toFixed(2)} s, ${((await stat(join(dir, 'logbook.xlsx'))).size / 1e6).toFixed(0)} MB`);

    // The PDF is what an inspector prints: one station's logbook for a quarter.
    let pages = 0;
    const pdfS = await toFile(join(dir, 'logbook.pdf'), async (out) => {
      pages = await logbook.exportPdf({ stationId: stations[0].id, from: '2026-01-01T00:00:00+07:00', to: '2026-04-01T00:00:00+07:00' }, out);
    });
    log(`pdf: ${pages} pages in ${pdfS.toFixed(2)} s`);

    const dossier = await dossierSection(app.get(DataSource), app.get(LogbookWriter), app.get(UnitsService), app.get(StationsService), dir, Number(values['dossier-lines']));

    const usage = process.resourceUsage();
    const peakRssMb = usage.maxRSS / 1024;
    log(`cpu: ${((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(1)} s in all`);
    // PostgreSQL after the rest, so the figures above are SQLite's alone. Its server's CPU is read from /proc where it runs here.
    const pg = await ingestOnAnyPostgres(total, values.pg ?? false, dir);
    process.stdout.write(
      JSON.stringify({
        lines: total,
        ingest_per_s: Math.round(total / ingestS),
        ingest_per_cpu_s: Math.round(total / (writingCpuUs / 1e6)),
        signed_seals: seals,
        export_csv_s: +csvS.toFixed(2),
        export_xlsx_s: +xlsxS.toFixed(2),
        export_pdf_pages_per_s: +(pages / pdfS).toFixed(1),
        peak_rss_mb: Math.round(peakRssMb),
        baseline_csv_s: +baselineS.toFixed(2),
        dossier_lines: dossier.lines,
        dossier_s: dossier.seconds,
        dossier_cpu_s: dossier.cpuS,
        dossier_rss_mb: dossier.rssMb,
        dossier_rss_before_mb: dossier.rssBeforeMb,
        dossier_mb: dossier.mb,
        ...(pg
          ? {
              ingest_per_s_pg: Math.round(total / pg.ingestS),
              // Node's CPU and the database server's, per line: what the ingest costs whatever the machine's load.
              ingest_node_cpu_s_pg: +(pg.writingCpuUs / 1e6).toFixed(2),
              ...(pg.serverCpuS !== null ? { ingest_server_cpu_s_pg: +pg.serverCpuS.toFixed(2), ingest_per_cpu_s_pg: Math.round(total / (pg.writingCpuUs / 1e6 + pg.serverCpuS)) } : {}),
              signed_seals_pg: pg.seals,
            }
          : {}),
      }) + '\n',
    );
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The dossier of a quarter: a unit of its own whose ten stations carry `total` lines in Q1 2026, written
 * through the same writer (not timed), then the whole dossier with `?audio=links` streamed to a file by
 * a fresh server process on the same database (dossierChild), as a server would make it on request.
 * Its RSS is sampled there while it streams: the figure is what that process holds while making the
 * dossier, not what this one kept from the ingest and exports above.
 */
async function dossierSection(db: DataSource, writer: LogbookWriter, units: UnitsService, stationsService: StationsService, dir: string, total: number) {
  const STATION_COUNT = 10;
  const from = Date.parse('2026-01-01T00:00:00+07:00');
  const to = Date.parse('2026-04-01T00:00:00+07:00');
  const district = await units.create({ name: 'Huyện Cẩm Xuyên', kind: 'Huyện' });
  const stations: Pick<Station, 'id' | 'name' | 'unitId'>[] = [];
  for (let i = 0; i < STATION_COUNT; i++) stations.push((await stationsService.create({ unitId: district.id, name: `Trạm Cẩm Xuyên ${i + 1}`, code: `cx-${i + 1}` })).station);
  const programmes = await db.getRepository(Programme).save(
    Array.from({ length: 40 }, (_, i) =>
      db.getRepository(Programme).create({ title: `Chuyên mục Cải cách hành chính, số ${i}`, chuyenMuc: 'Cải cách hành chính', chuyenMucId: null, topicId: null, description: '', spokenText: null, mediaAssetId: `asset-${i}`, createdBy: null, createdAt: new Date(from).toISOString() }),
    ),
  );
  const step = Math.floor((to - from) / Math.ceil(total / STATION_COUNT));
  for (let k = 0; k < total; k += BATCH) {
    const batch: LineDraft[] = [];
    for (let j = k; j < Math.min(total, k + BATCH); j++) {
      const p = programmes[j % programmes.length];
      batch.push(
        benchLine(j, stations[j % STATION_COUNT], from + Math.floor(j / STATION_COUNT) * step, {
          occurrenceId: `q1-${j}`,
          slotId: `q1-slot-${j}`,
          programmeId: p.id,
          programmeTitle: p.title,
          chuyenMuc: 'Cải cách hành chính',
          source: 'relay',
        }),
      );
    }
    await db.transaction((m) => writer.append(m, batch));
  }
  log(`dossier: ${total} lines written for the quarter`);

  const job: DossierJob = { dir, unitId: district.id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), path: join(dir, 'dossier.zip') };
  // The same Node flags (the heap limit) as this process.
  const child = await run(process.execPath, [...process.execArgv, __filename, '--dossier-child', JSON.stringify(job)], { maxBuffer: 16 * 1024 * 1024 });
  process.stderr.write(child.stderr);
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as DossierFigures;
  return { lines: total, ...r };
}

interface DossierJob {
  dir: string;
  unitId: string;
  from: string;
  to: string;
  path: string;
}

interface DossierFigures {
  seconds: number;
  cpuS: number;
  rssBeforeMb: number;
  rssMb: number;
  mb: number;
}

/** In the child: starts the server's application on the bench's database and streams the dossier to a file. */
async function dossierChild(job: DossierJob): Promise<void> {
  const config = AppConfig.fromEnv({ DATA_DIR: join(job.dir, 'data'), MEDIA_DIR: join(job.dir, 'media'), LOG_LEVEL: 'error' });
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: ['error'] });
  try {
    const dossiers = app.get(DossierService);
    const who: Principal = { kind: 'user', userId: 'bench', username: 'bench', role: 'admin', unitId: null };
    const rssBefore = process.memoryUsage().rss;
    let rss = rssBefore;
    const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 50);
    let seconds: number;
    const cpu0 = process.cpuUsage();
    try {
      seconds = await toFile(job.path, async (out) => {
        const plan = await dossiers.prepare(who, { unitId: job.unitId, from: job.from, to: job.to, audio: 'links' });
        await dossiers.write(plan, out);
      });
    } finally {
      clearInterval(sampler);
    }
    const cpu = process.cpuUsage(cpu0);
    rss = Math.max(rss, process.memoryUsage().rss);
    const mb = (await stat(job.path)).size / 1e6;
    log(`dossier: ${seconds.toFixed(2)} s (${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s), ${mb.toFixed(1)} MB, rss ${Math.round(rss / 1048576)} MB at most (${Math.round(rssBefore / 1048576)} MB before)`);
    const figures: DossierFigures = { seconds: +seconds.toFixed(2), cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2), rssBeforeMb: Math.round(rssBefore / 1048576), rssMb: Math.round(rss / 1048576), mb: +mb.toFixed(1) };
    process.stdout.write(JSON.stringify(figures) + '\n');
  } finally {
    await app.close();
  }
}

async function entry(): Promise<void> {
  const child = process.argv.indexOf('--dossier-child');
  if (child >= 0) return dossierChild(JSON.parse(process.argv[child + 1]) as DossierJob);
  return main();
}

entry().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
