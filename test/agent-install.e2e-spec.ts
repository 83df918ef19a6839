import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Api } from './support/api';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, startServerProcess } from './support/processes';
import { createProgramme, secondAhead } from './faults/fault-kit';
import { unitScheduling } from './support/agent/unit-scheduling';

const ROOT = resolve(__dirname, '..');

function which(tool: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** `curl -fsSL URL/agent/install.sh | sh -s ARGS`, as an operator types it, into a DESTDIR root. */
function runInstaller(serverUrl: string, root: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn('sh', ['-c', 'curl -fsSL "$0/agent/install.sh" | sh -s "$@"', serverUrl, ...args], {
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOA_'))), DESTDIR: root, LOA_NO_SYSTEMD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The files of a fresh Debian root that useradd needs, with no loa-agent account yet. */
function freshRoot(root: string): void {
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\naudio:x:29:\n');
  writeFileSync(join(root, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(root, 'etc', 'gshadow'), 'root:*::\naudio:*::\n', { mode: 0o640 });
}

/**
 * `systemd-analyze verify` on the unit the installer wrote: every key known, the command executable. The
 * unit names its files as they are on the box, so the copy checked points ExecStart into the DESTDIR root.
 */
function verifyUnit(unitFile: string, root: string): void {
  if (!which('systemd-analyze')) {
    console.warn('systemd unit check SKIPPED: no systemd-analyze. Install Debian\'s systemd.');
    return;
  }
  const copy = join(root, 'loa-agent.service');
  writeFileSync(copy, unitFile.replace(/^ExecStart=\//m, `ExecStart=${root}/`));
  const verified = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', timeout: 60_000 });
  // Unknown keys and sections are only warnings (exit code 0): stderr must be empty too.
  expect({ status: verified.status, stderr: verified.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  rmSync(copy);
}

/**
 * The one-line install: the bundle built by pack:agent, served by a server on loopback, installed by the
 * served install.sh into a DESTDIR root, and the agent started from there with no Node on its PATH plays a
 * slot. Running the installer again upgrades in place and keeps the cache, the outbox and the config.
 */
describe('one-line agent install', () => {
  const missing = ['curl', 'tar', 'gzip'].filter((t) => !which(t));
  let dir: string;
  let bundleDir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-install-'));
    bundleDir = join(dir, 'bundle');
    if (missing.length) return;
    // Built once for the whole file; gzip -1 keeps it quick.
    execFileSync(process.execPath, [join(ROOT, 'deploy', 'agent', 'pack-agent.js'), '--out', bundleDir, '--gzip-level', '1'], { stdio: 'inherit' });
  }, 300_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs from the server alone, runs without a system Node, plays a slot, and upgrades in place keeping cache and outbox', async () => {
    if (missing.length) {
      console.log(`skipped: ${missing.join(', ')} not installed (apt-get install ${missing.join(' ')})`);
      return;
    }
    server = await startServerProcess(dir, { env: { LOA_AGENT_BUNDLE_DIR: bundleDir } });
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);

    // The served installer carries the server's own address; an architecture not built is a clear 404.
    const script = await fetch(`${server.url}/agent/install.sh`);
    expect(script.status).toBe(200);
    const text = await script.text();
    expect(text).toContain(`LOA_SERVER="\${LOA_SERVER:-${server.url}}"`);
    expect(text).not.toContain('@LOA_SERVER_URL@');
    const arm = await fetch(`${server.url}/agent/loa-agent-arm64.tar.gz`);
    expect(arm.status).toBe(404);
    expect(((await arm.json()) as { message: string }).message).toContain('npm run pack:agent');

    const unit = await api.ok('POST', '/api/units', { name: 'Xã Tân Lập', kind: 'Xã' });
    const { station, enrolment } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Tân Lập', code: 'tan-lap' });

    const root = join(dir, 'root');
    freshRoot(root);
    const first = await runInstaller(server.url, root, [enrolment.code, '--player', 'file']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Đã cài phần mềm trạm bản');
    expect(first.stdout).toContain('Đã đăng ký trạm "Đài xã Tân Lập" (tan-lap)');
    expect(first.stdout).toContain('Hoàn tất.');

    const config = join(root, 'etc', 'loa', 'agent.json');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(config, 'utf8')) as Record<string, string>;
    expect(written).toMatchObject({ serverUrl: server.url, cacheDir: '/var/lib/loa-agent', player: 'file' });
    expect(first.stdout).not.toContain(written.stationToken);
    const unitFile = readFileSync(join(root, 'etc', 'systemd', 'system', 'loa-agent.service'), 'utf8');
    expect(unitFile).toContain('ExecStart=/opt/loa-agent/bin/loa-agent --config /etc/loa/agent.json');
    expect(unitFile).toContain('User=loa-agent');
    // The installed agent runs ahead of the box's ordinary processes, its children at the ordinary policy.
    expect(unitScheduling(unitFile)).toMatchObject({ policy: 'fifo', priority: 1, resetOnFork: true, rtTime: '5s' });
    verifyUnit(unitFile, root);
    if (process.getuid?.() === 0) {
      const account = readFileSync(join(root, 'etc', 'passwd'), 'utf8').split('\n').find((l) => l.startsWith('loa-agent:'));
      expect(account).toBeDefined();
      const uid = Number(account!.split(':')[2]);
      expect(statSync(config).uid).toBe(uid);
      expect(readFileSync(join(root, 'etc', 'group'), 'utf8')).toMatch(/^audio:x:29:loa-agent$/m);
    }

    // A PATH with a shell and nothing else: the agent can only run on the node it brought.
    const bareBin = join(dir, 'bare-bin');
    mkdirSync(bareBin);
    for (const tool of ['sh', 'dirname']) symlinkSync(which(tool)!, join(bareBin, tool));
    expect(spawnSync('sh', ['-c', 'command -v node'], { env: { PATH: bareBin } }).status).not.toBe(0);
    const cacheDir = join(root, 'var', 'lib', 'loa-agent');
    // A download window that is closed now: the slot below airs within the urgency margin, so it still
    // downloads, and the station reports both limits.
    const hhmm = (ms: number) => new Date(Date.now() + ms).toTimeString().slice(0, 5);
    const window = `${hhmm(2 * 3600_000)}-${hhmm(3 * 3600_000)}`;
    const sinkDir = join(dir, 'sink');
    const startInstalled = () =>
      new Proc(
        'installed-agent',
        spawn(join(root, 'opt', 'loa-agent', 'bin', 'loa-agent'), ['--config', config], {
          cwd: dir,
          env: { PATH: bareBin, LOA_CACHE_DIR: cacheDir, LOA_SINK_DIR: sinkDir, LOA_DOWNLOAD_KBPS: '8000', LOA_DOWNLOAD_WINDOW: window, ...(process.env.TZ ? { TZ: process.env.TZ } : {}) },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    agent = startInstalled();
    await eventually('the installed agent to connect', async () => (await api.ok<{ stationId: string }[]>('GET', '/api/agents/status')).some((s) => s.stationId === station.id), 60_000);

    const reported = await eventually('the download limits in the station status', async () => {
      const rows = await api.ok<{ stationId: string; status: { download?: unknown } | null }[]>('GET', '/api/agents/status');
      return rows.find((r) => r.stationId === station.id)?.status?.download;
    });
    expect(reported).toMatchObject({ capKbps: 8000, window, windowOpen: false });

    const programme = await createProgramme(api, dir, 'Bản tin cài đặt', 660, 1);
    const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: secondAhead(12_000), stationIds: [station.id] });
    const played = await eventually('the slot in the sink', () => readSink(sinkDir).find((r) => r.slotId === slot.id), 90_000);
    expect(Math.abs(played.startErrorMs)).toBeLessThan(50);
    await eventually('the logbook line', async () => (await api.ok('GET', `/api/logbook?stationId=${station.id}`)).items.length === 1, 30_000);
    await agent.stop();
    const connected = async () => (await api.ok<{ stationId: string }[]>('GET', '/api/agents/status')).some((s) => s.stationId === station.id);
    await eventually('the server to see the agent gone', async () => !(await connected()), 30_000);

    // Upgrade in place, without a code: the config, the cached audio and the agent's database stay.
    const media = join(cacheDir, 'media', `${programme.sha256}.mp3`);
    const before = { media: statSync(media).ino, db: statSync(join(cacheDir, 'agent.db')).ino, token: written.stationToken };
    const again = await runInstaller(server.url, root, []);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Đã nâng cấp phần mềm trạm lên bản');
    expect(again.stdout).toContain('Giữ nguyên cấu hình và mã trạm');
    expect(statSync(media).ino).toBe(before.media);
    expect(statSync(join(cacheDir, 'agent.db')).ino).toBe(before.db);
    expect((JSON.parse(readFileSync(config, 'utf8')) as Record<string, string>).stationToken).toBe(before.token);
    expect(existsSync(join(root, 'opt', 'loa-agent.old'))).toBe(false);

    // The upgraded agent still connects on the kept config.
    agent = startInstalled();
    await eventually('the upgraded agent to connect', connected, 60_000);
  }, 420_000);

  it('packs a bundle whose every binary is built for its architecture, and refuses to pack one for another from this machine', () => {
    if (missing.length) return;
    const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    const tarball = join(bundleDir, `loa-agent-${arch}.tar.gz`);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
    for (const entry of ['loa-agent/bin/loa-agent', 'loa-agent/node/bin/node', 'loa-agent/app/dist/apps/agent/src/main.js', 'loa-agent/app/node_modules/better-sqlite3/package.json', 'loa-agent/ARCH', 'loa-agent/VERSION']) {
      expect(listing).toContain(entry);
    }
    expect(execFileSync('tar', ['-xzOf', tarball, 'loa-agent/ARCH'], { encoding: 'utf8' })).toBe(`${arch}\n`);

    // A runtime for the other architecture (an ELF header is all the check reads) beside this machine's
    // native modules: the packer names them instead of writing a bundle that would fail on the box.
    const other = arch === 'x64' ? { name: 'arm64', machine: 183 } : { name: 'x64', machine: 62 };
    const fakeNode = join(dir, `node-${other.name}`);
    mkdirSync(join(fakeNode, 'bin'), { recursive: true });
    const header = Buffer.alloc(64);
    header.write('\x7fELF', 0, 'latin1');
    header[4] = 2;
    header[5] = 1;
    header.writeUInt16LE(other.machine, 18);
    writeFileSync(join(fakeNode, 'bin', 'node'), header, { mode: 0o755 });
    const out = join(dir, `bundle-${other.name}`);
    const packed = spawnSync(process.execPath, [join(ROOT, 'deploy', 'agent', 'pack-agent.js'), '--arch', other.name, '--node', fakeNode, '--out', out, '--gzip-level', '1'], { encoding: 'utf8' });
    expect(packed.status).toBe(1);
    expect(packed.stderr).toContain(`the bundle for ${other.name} holds binaries built for another architecture`);
    expect(packed.stderr).toContain(`app/node_modules/better-sqlite3/build/Release/better_sqlite3.node (${arch})`);
    expect(existsSync(join(out, `loa-agent-${other.name}.tar.gz`))).toBe(false);
  }, 120_000);
});
