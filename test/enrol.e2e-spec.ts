import { spawn } from 'node:child_process';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './support/api';
import { AGENT_MAIN, ADMIN_PASSWORD, eventually, Proc, ServerProc, startServerProcess } from './support/processes';

/** The environment without any LOA_ setting, so the agent reads only the file enrol wrote. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOA_')));
}

function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_MAIN, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A station box enrolled by code: the built `loa-agent enrol` exchanges the code with a real server on
 * loopback and writes the config, and the agent started from that file alone connects.
 */
describe('loa-agent enrol', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-enrol-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('exchanges the code, writes a 0600 config keeping existing settings, and the agent connects with it; the code then refuses', async () => {
    server = await startServerProcess(dir);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const unit = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' });
    const { station, enrolment } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' });

    const configPath = join(dir, 'etc', 'agent.json');
    const cacheDir = join(dir, 'agent-cache');
    const first = await runCli(['enrol', '--server', server.url, enrolment.code, '--config', configPath], dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Đã đăng ký trạm "Đài xã Cẩm Bình" (cam-binh)');
    expect(first.stdout).toContain(configPath);
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(configPath, 'utf8')) as { serverUrl: string; stationToken: string };
    expect(written.serverUrl).toBe(server.url);
    expect(written.stationToken).toMatch(/^loa_st_/);
    expect(first.stdout).not.toContain(written.stationToken);

    // Settings already in the file survive a new enrolment.
    writeFileSync(configPath, JSON.stringify({ ...written, cacheDir, player: 'null' }), { mode: 0o600 });
    const renewed = await api.ok('POST', `/api/stations/${station.id}/enrolment`);
    const second = await runCli(['enrol', `--server=${server.url}/`, renewed.enrolment.code.toLowerCase(), `--config=${configPath}`], dir);
    expect(second.code).toBe(0);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, string>;
    expect(config).toMatchObject({ serverUrl: server.url, cacheDir, player: 'null' });
    expect(config.stationToken).not.toBe(written.stationToken);

    const reused = await runCli(['enrol', '--server', server.url, renewed.enrolment.code, '--config', join(dir, 'other.json')], dir);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toContain('enrolment_code_used');
    expect(reused.stderr).toContain('đã được dùng');

    const refusedHttp = await runCli(['enrol', '--server', 'http://loa.example.gov.vn', renewed.enrolment.code, '--config', join(dir, 'other.json')], dir);
    expect(refusedHttp.code).toBe(1);
    expect(refusedHttp.stderr).toContain('--allow-http');

    agent = new Proc('agent', spawn(process.execPath, [AGENT_MAIN, '--config', configPath], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    await agent.waitFor(/Đã kết nối máy chủ/, 60_000);
    await eventually('the station listed as connected', async () => {
      const statuses = (await api.ok('GET', '/api/agents/status')) as { stationId: string }[];
      return statuses.some((s) => s.stationId === station.id);
    });
    const listed = ((await api.ok('GET', '/api/stations')) as { id: string; enrolledAt: string | null }[]).find((s) => s.id === station.id);
    expect(listed?.enrolledAt).toEqual(expect.any(String));
  }, 180_000);
});
