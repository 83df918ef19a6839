#!/usr/bin/env node
/**
 * `npm start`: the whole system on one machine, with nothing to configure. It starts the server on
 * ./data and ./media, seeds a demo province (first run only), runs three commune agents with `file`
 * players, and schedules the demo programme a minute ahead so a newcomer sees it play and get logged.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { ProcessRunner } from '@loa/process';
import { startServer } from './bootstrap';
import { Clock } from './common/clock';
import { AppConfig } from './config/app-config';
import { makeDemoChime, startDemoAgent, stopDemoAgents } from './demo-processes';
import { RESULT_LABELS } from './logbook/logbook-rules';
import { LogbookService } from './logbook/logbook.service';
import { MediaJobsService } from './media/media-jobs.service';
import { MediaUploadService } from './media/media-upload.service';
import { ProgrammesService } from './programmes/programmes.service';
import { ScheduleAuthoring } from './schedule/schedule-authoring.service';
import { formatLocal } from './schedule/zoned-time';
import { StationsService } from './stations/stations.service';
import { UnitsService } from './units/units.service';
import { UsersService } from './users/users.service';
import { toInstant } from '@loa/protocol';

interface DemoState {
  users: { username: string; password: string; role: string }[];
  stations: { id: string; code: string; name: string; token: string }[];
  programmeId: string;
}

const COMMUNES = [
  { code: 'cam-binh', name: 'Xã Cẩm Bình' },
  { code: 'cam-thanh', name: 'Xã Cẩm Thành' },
  { code: 'cam-vinh', name: 'Xã Cẩm Vịnh' },
];

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  const config = AppConfig.fromEnvOrExit();
  const app = await startServer(config);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  const stateFile = join(config.dataDir, 'demo.json');
  const processes = new ProcessRunner();
  const state: DemoState = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState) : await seed(app, config, stateFile, processes);

  const agents = state.stations.map((s) => {
    const dir = join(config.dataDir, 'demo-agents', s.code);
    return startDemoAgent(processes, s.code, {
      LOA_SERVER_URL: url,
      LOA_STATION_TOKEN: s.token,
      LOA_CACHE_DIR: join(dir, 'cache'),
      LOA_PLAYER: 'file',
      LOA_SINK_DIR: join(dir, 'sink'),
    });
  });

  const startAt = toInstant(Math.ceil((app.get(Clock).now() + 60_000) / 1000) * 1000);
  await app.get(ScheduleAuthoring).create({ programmeId: state.programmeId, startAt, stationIds: state.stations.map((s) => s.id) }, null);

  const local = formatLocal(startAt, config.timezone);
  console.log(`
Loa đang chạy — Loa is running
  Máy chủ (server):            ${url}
  Bảng điều khiển (console):   ${url}/   (đăng nhập bằng một tài khoản dưới đây)
  Tài liệu API (API docs):     ${url}/api/docs
  Tình trạng (health):         ${url}/api/health

Tài khoản thử (demo accounts):
${state.users.map((u) => `  ${u.role.padEnd(10)} ${u.username.padEnd(10)} mật khẩu: ${u.password}`).join('\n')}

Đã xếp lịch chương trình mẫu lúc ${local} (giờ Việt Nam) trên ${state.stations.length} trạm.
A demo programme plays at ${startAt} on ${state.stations.length} stations; each agent writes what it plays to
  ${join(config.dataDir, 'demo-agents', '<trạm>', 'sink')}
Xem nhật ký (logbook):
  TOKEN=$(curl -s -X POST ${url}/api/auth/login -H 'content-type: application/json' \\
    -d '{"username":"thanhtra","password":"${state.users.find((u) => u.role === 'inspector')?.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')
  curl -s -H "authorization: Bearer $TOKEN" ${url}/api/logbook/export.csv
Dừng (stop): Ctrl+C
`);

  const logbook = app.get(LogbookService);
  let seen = 0;
  const watch = setInterval(() => {
    void logbook.list({ from: startAt }, { limit: 1000, after: 0 }).then(({ items }) => {
      for (const line of items.slice(seen)) {
        console.log(`Nhật ký: ${line.stationName} — "${line.programmeTitle}" — ${RESULT_LABELS[line.result]}, lệch ${Math.round(line.startErrorMs ?? 0)} ms`);
      }
      seen = Math.max(seen, items.length);
    });
  }, 2000);

  const stop = async () => {
    clearInterval(watch);
    await stopDemoAgents(agents);
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** First run: the demo province, its stations and people, and one CCHC programme made with ffmpeg. */
async function seed(app: INestApplication, config: AppConfig, stateFile: string, processes: ProcessRunner): Promise<DemoState> {
  const units = app.get(UnitsService);
  const stations = app.get(StationsService);
  const users = app.get(UsersService);
  const uploads = app.get(MediaUploadService);

  const province = await units.create({ name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh', code: 'HT' });
  const district = await units.create({ name: 'Huyện Cẩm Xuyên', kind: 'Huyện', code: 'HT-CX', parentId: province.id });
  const state: DemoState = { users: [], stations: [], programmeId: '' };
  const communeIds: string[] = [];
  for (const c of COMMUNES) {
    const commune = await units.create({ name: c.name, kind: 'Xã', code: `HT-CX-${c.code}`, parentId: district.id });
    communeIds.push(commune.id);
    const { station, token } = await stations.create({ unitId: commune.id, name: `Đài truyền thanh ${c.name}`, code: c.code });
    state.stations.push({ id: station.id, code: c.code, name: station.name, token });
  }
  const people = [
    { username: 'quantri', displayName: 'Quản trị hệ thống', role: 'admin' as const },
    { username: 'bientap', displayName: 'Biên tập viên CCHC', role: 'editor' as const },
    { username: 'pheduyet', displayName: 'Lãnh đạo Trung tâm (phê duyệt lịch)', role: 'approver' as const },
    { username: 'thanhtra', displayName: 'Cán bộ Phòng Văn hóa - Thông tin', role: 'inspector' as const },
  ];
  for (const p of people) {
    const password = randomBytes(9).toString('base64url');
    await users.create({ ...p, password, unitId: province.id });
    state.users.push({ username: p.username, password, role: p.role });
  }
  // A commune's own operator, who sees only that commune's station in the console.
  const operatorPassword = randomBytes(9).toString('base64url');
  await users.create({ username: 'tramxa', displayName: `Cán bộ đài ${COMMUNES[0].name}`, password: operatorPassword, role: 'operator', unitId: communeIds[0] });
  state.users.push({ username: 'tramxa', password: operatorPassword, role: 'operator' });

  const tmp = join(config.mediaDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const file = join(tmp, `demo-${randomBytes(4).toString('hex')}.wav`);
  await makeDemoChime(processes, file);
  const asset = await uploads.upload(file, 'chuyen-muc-cchc-thang-11.wav', null);
  await app.get(MediaJobsService).whenIdle();
  const programme = await app.get(ProgrammesService).create(
    {
      title: 'Chuyên mục Cải cách hành chính: Dịch vụ công trực tuyến',
      chuyenMuc: 'Cải cách hành chính',
      description: 'Hướng dẫn người dân nộp hồ sơ trên Cổng dịch vụ công quốc gia.',
      mediaAssetId: asset.id,
    },
    null,
  );
  state.programmeId = programme.id;
  writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
