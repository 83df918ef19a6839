#!/usr/bin/env node
import 'reflect-metadata';
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DatabaseSettings } from './config/app-config';
import { createDataSource, dataSourceOptions } from './database/data-source';
import { DossierUnreadable, verifyDossierZip } from './dossier/dossier-verify';
import { verifyStationChain } from './logbook/logbook-verify';
import { parsePublicKeys, shortFingerprint } from './logbook/seal-signature';
import { Station } from './stations/station.entity';
import { parseInstant } from '@loa/protocol';

const USAGE = `Cách dùng: loa logbook verify [--public-key TỆP.pem] [--station MÃ_TRẠM] [--from ISO-8601] [--to ISO-8601] [--data-dir THƯ_MỤC | --database-url postgres://…]

Kiểm tra chuỗi mã băm của sổ nhật ký từng trạm và báo liên kết hỏng đầu tiên
(dòng bị sửa, bị xóa hoặc bị chèn trực tiếp vào cơ sở dữ liệu).
--public-key: tệp khóa công khai Ed25519 (PEM, có thể gồm nhiều khóa; lấy từ GET /api/logbook/keys);
  khi có, chữ ký của từng niêm phong được kiểm tra và mọi dòng cũ phải nằm dưới một niêm phong có chữ ký.
--from/--to lọc theo thời điểm dòng được ghi. Mã thoát: 0 nguyên vẹn, 1 có chỗ hỏng, 2 sai cách dùng.

       loa dossier verify TỆP.zip [--public-key TỆP.pem] [--json]

Kiểm tra một hồ sơ tuyên truyền (tải từ GET /api/logbook/dossier) mà không cần máy chủ: đủ mọi tệp,
mã SHA-256 và kích thước của từng tệp khớp danh mục, không có tệp lạ, chữ ký Ed25519 của danh mục đúng.
--public-key: khóa công khai được tin cậy (từ GET /api/logbook/keys); thiếu nó, khóa đi kèm hồ sơ được
  dùng và chỉ mã nhận dạng của khóa (in ra) gắn hồ sơ với máy chủ.`;

/** `loa dossier verify`: checks a dossier ZIP offline. */
async function runDossierVerify(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let parsed: { values: { 'public-key'?: string; json?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { 'public-key': { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    err(`Hãy chỉ ra đúng một tệp hồ sơ (.zip).\n\n${USAGE}`);
    return 2;
  }
  const file = positionals[0];
  if (!existsSync(file)) {
    err(`Không tìm thấy tệp ${file}.`);
    return 2;
  }
  const keys = publicKeysFrom(values['public-key'], err);
  if (keys === 'failed') return 2;
  let report;
  try {
    report = await verifyDossierZip(file, keys, parsePublicKeys);
  } catch (e) {
    if (!(e instanceof DossierUnreadable)) throw e;
    if (values.json) out(JSON.stringify({ ok: false, problems: [{ path: null, kind: 'zip', message: e.message }] }));
    else err(`HỎNG: ${file} không phải tệp ZIP đọc được (bị cắt ngắn hoặc bị sửa): ${e.message}`);
    return 1;
  }
  if (values.json) {
    out(JSON.stringify(report));
    return report.ok ? 0 : 1;
  }
  const key = report.keyFingerprint ? shortFingerprint(report.keyFingerprint) : '—';
  if (report.ok) {
    out(`Hồ sơ nguyên vẹn: ${report.filesChecked} tệp khớp danh mục, chữ ký hợp lệ (khóa ${key}).`);
    if (!report.keyFromCaller) out(`Lưu ý: chữ ký được kiểm bằng khóa đi kèm hồ sơ; hãy đối chiếu mã khóa ${key} với khóa công khai của máy chủ (GET /api/logbook/keys), hoặc dùng --public-key.`);
    return 0;
  }
  err(`HỎNG: hồ sơ ${file} không còn nguyên vẹn (${report.problems.length} chỗ):`);
  for (const p of report.problems) err(`  - ${p.message}`);
  return 1;
}

/** The `loa` command. Returns the exit code; writes to the given streams so it can be tested in-process. */
export async function runCli(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  if (argv[0] === 'dossier' && argv[1] === 'verify') return runDossierVerify(argv.slice(2), out, err);
  if (argv[0] !== 'logbook' || argv[1] !== 'verify') {
    err(USAGE);
    return 2;
  }
  let values: { station?: string; from?: string; to?: string; 'data-dir'?: string; 'database-url'?: string; 'public-key'?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv.slice(2),
      options: {
        station: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        'public-key': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const range: { from?: string; to?: string } = {};
  for (const key of ['from', 'to'] as const) {
    const v = values[key];
    if (v === undefined) continue;
    const at = parseInstant(v);
    if (at === null) {
      err(`--${key}: "${v}" không phải thời điểm có múi giờ (ví dụ 2026-11-25T05:30:00+07:00).`);
      return 2;
    }
    range[key] = at;
  }
  const keys = publicKeysFrom(values['public-key'], err);
  if (keys === 'failed') return 2;
  if (keys && !values.json) out(`Khóa công khai: ${[...keys.keys()].map(shortFingerprint).join(', ')}`);
  let settings: DatabaseSettings;
  const url = values['database-url'];
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\/./.test(url)) {
      err(`--database-url: không phải địa chỉ PostgreSQL (ví dụ postgres://loa@db:5432/loa).`);
      return 2;
    }
    settings = { engine: 'postgres', url };
  } else {
    const dbPath = join(resolve(values['data-dir'] ?? './data'), 'loa.sqlite');
    if (!existsSync(dbPath)) {
      err(`Không tìm thấy cơ sở dữ liệu ${dbPath}.`);
      return 2;
    }
    settings = { engine: 'sqlite', path: dbPath };
  }
  // Read as it is: no migrations, nothing written.
  const db = createDataSource({ ...dataSourceOptions(settings), migrationsRun: false, logging: false });
  await db.initialize();
  try {
    const stations = await db.getRepository(Station).find({ where: values.station ? { code: values.station } : {}, order: { code: 'ASC' } });
    if (values.station && !stations.length) {
      err(`Không có trạm mã "${values.station}".`);
      return 2;
    }
    let broken = 0;
    const results = [];
    for (const s of stations) {
      const report = await verifyStationChain(db.manager, s.id, range, keys);
      results.push({ station: s.code, stationName: s.name, ...report });
      if (!report.ok) broken++;
      if (!values.json) {
        out(
          report.ok
            ? `${s.code} (${s.name}): nguyên vẹn — ${report.checked} dòng, ${report.sealsChecked} niêm phong, mã đầu chuỗi ${report.head}`
            : `${s.code} (${s.name}): HỎNG [${report.firstBreak!.kind}] dòng mã ${report.firstBreak!.lineId ?? '—'}: ${report.firstBreak!.message}`,
        );
      }
    }
    if (values.json) out(JSON.stringify({ ok: broken === 0, stations: results }));
    return broken ? 1 : 0;
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), (l) => console.log(l), (l) => console.error(l)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** The Ed25519 public keys of a `--public-key` PEM file; null when none was given, 'failed' once the reason is said. */
function publicKeysFrom(path: string | undefined, err: (line: string) => void): Map<string, KeyObject> | null | 'failed' {
  if (path === undefined) return null;
  let keys: Map<string, KeyObject>;
  try {
    keys = parsePublicKeys(readFileSync(path, 'utf8'));
  } catch (e) {
    err(`--public-key: không đọc được "${path}": ${(e as Error).message}`);
    return 'failed';
  }
  if (!keys.size) {
    err(`--public-key: "${path}" không có khóa công khai Ed25519 nào (PEM "BEGIN PUBLIC KEY").`);
    return 'failed';
  }
  return keys;
}
