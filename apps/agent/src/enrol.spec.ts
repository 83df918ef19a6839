import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerUrl, DEFAULT_CONFIG_PATH, enrol, EnrolError, parseEnrolArgs } from './enrol';

describe('loa-agent enrol', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loa-enrol-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const answering = (status: number, body: unknown) =>
    jest.fn(async (_url: string | URL | Request, _init?: RequestInit) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));

  it('reads the server, the code and the config path, defaulting to where the service reads its config', () => {
    expect(parseEnrolArgs(['--server', 'https://loa.example.gov.vn', 'K7QM-3XHP'])).toMatchObject({
      server: 'https://loa.example.gov.vn',
      code: 'K7QM-3XHP',
      configPath: DEFAULT_CONFIG_PATH,
      allowHttp: false,
    });
    expect(parseEnrolArgs(['K7QM-3XHP', '--server=https://x', '--config', 'a.json', '--allow-http', '--owner', 'loa'])).toMatchObject({
      configPath: join(process.cwd(), 'a.json'),
      allowHttp: true,
      owner: 'loa',
    });
    expect(() => parseEnrolArgs(['K7QM-3XHP'])).toThrow(/--server/);
    expect(() => parseEnrolArgs(['--server', 'https://x'])).toThrow(/một mã/);
    expect(() => parseEnrolArgs(['--server', 'https://x', 'A', 'B'])).toThrow(/một mã/);
    expect(() => parseEnrolArgs(['--server', 'https://x', '--force', 'A'])).toThrow(/--force/);
  });

  it('refuses plain http to another machine unless allowed, but not to this one', () => {
    expect(() => checkServerUrl('http://loa.example.gov.vn', false)).toThrow(EnrolError);
    expect(checkServerUrl('http://loa.example.gov.vn/', true)).toBe('http://loa.example.gov.vn');
    expect(checkServerUrl('http://127.0.0.1:3000', false)).toBe('http://127.0.0.1:3000');
    expect(checkServerUrl('http://localhost:3000/loa/', false)).toBe('http://localhost:3000/loa');
    expect(checkServerUrl('http://[::1]:3000', false)).toBe('http://[::1]:3000');
    expect(checkServerUrl('https://loa.example.gov.vn', false)).toBe('https://loa.example.gov.vn');
    expect(() => checkServerUrl('ftp://loa', true)).toThrow(/https/);
    expect(() => checkServerUrl('loa.example', true)).toThrow(/không hợp lệ/);
  });

  it('writes the token and server into a 0600 file, keeping what was there, and posts the code as typed', async () => {
    const configPath = join(dir, 'etc', 'agent.json');
    const fetchImpl = answering(200, { station: { id: 's1', name: 'Đài xã', code: 'cam-binh' }, token: 'loa_st_abcdefghijkl' });
    const result = await enrol({ server: 'https://loa.example.gov.vn/', code: 'k7qm 3xhp', configPath, allowHttp: false }, fetchImpl);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(fetchImpl.mock.calls[0][0]).toBe('https://loa.example.gov.vn/api/agent/enrol');
    expect(JSON.parse(String(fetchImpl.mock.calls[0][1]?.body))).toEqual({ code: 'k7qm 3xhp' });
    expect(result.station.code).toBe('cam-binh');
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual({ serverUrl: 'https://loa.example.gov.vn', stationToken: 'loa_st_abcdefghijkl' });

    writeFileSync(configPath, JSON.stringify({ serverUrl: 'https://old', stationToken: 'loa_st_old-token', player: 'null', fadeMs: 0 }), { mode: 0o644 });
    await enrol({ server: 'https://loa.example.gov.vn', code: 'K7QM3XHP', configPath, allowHttp: false }, answering(200, { station: { id: 's1', name: 'x', code: 'y' }, token: 'loa_st_newnewnewnew' }));
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual({ serverUrl: 'https://loa.example.gov.vn', stationToken: 'loa_st_newnewnewnew', player: 'null', fadeMs: 0 });
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
  });

  it("passes on the server's refusal and writes nothing", async () => {
    const configPath = join(dir, 'agent.json');
    const refused = answering(410, { code: 'enrolment_code_expired', message: 'Mã đăng ký đã hết hạn.' });
    await expect(enrol({ server: 'https://loa', code: 'K7QM3XHP', configPath, allowHttp: false }, refused)).rejects.toThrow(
      'Máy chủ từ chối: Mã đăng ký đã hết hạn. (enrolment_code_expired)',
    );
    expect(() => statSync(configPath)).toThrow();
    await expect(enrol({ server: 'https://loa', code: 'K7QM3XHP', configPath, allowHttp: false }, answering(200, { hello: 1 }))).rejects.toThrow(/không phải máy chủ Loa/);
    expect(() => statSync(configPath)).toThrow();
  });

  it('refuses to overwrite a config file it cannot read as JSON', async () => {
    const configPath = join(dir, 'agent.json');
    writeFileSync(configPath, 'not json');
    const fetchImpl = answering(200, {});
    await expect(enrol({ server: 'https://loa', code: 'K7QM3XHP', configPath, allowHttp: false }, fetchImpl)).rejects.toThrow(/không phải JSON/);
    expect(fetchImpl).not.toHaveBeenCalled();
    expect(readFileSync(configPath, 'utf8')).toBe('not json');
  });
});
