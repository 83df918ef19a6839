import { ConfigError, configPathFromArgs, loadConfig } from './config';

const env = { LOA_SERVER_URL: 'http://127.0.0.1:3000', LOA_STATION_TOKEN: 'tok-0123456789' };

describe('loadConfig', () => {
  it('stops with a message naming LOA_STATION_TOKEN when the token is missing', () => {
    expect(() => loadConfig({ env: { LOA_SERVER_URL: 'http://127.0.0.1:3000' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { LOA_SERVER_URL: 'http://127.0.0.1:3000' } })).toThrow(/LOA_STATION_TOKEN/);
  });

  it('applies the defaults and derives the WebSocket URL', () => {
    const c = loadConfig({ env });
    expect(c.wsUrl).toBe('ws://127.0.0.1:3000/api/agent/ws');
    expect(c.player).toBe('alsa');
    expect(c.alsaDevice).toBe('default');
    expect(c.lookaheadHours).toBe(48);
    expect(c.lateGraceMs).toBe(2000);
    expect(c.cacheDir).toMatch(/agent-data$/);
    expect(c.sinkDir).toBe(`${c.cacheDir}/sink`);
  });

  it('takes several server instances as a comma-separated LOA_SERVER_URL, in order, each checked; one URL stays a list of one', () => {
    const c = loadConfig({ env: { ...env, LOA_SERVER_URL: 'https://a.loa.vn/, https://b.loa.vn ,https://c.loa.vn:8443' } });
    expect(c.serverUrls).toEqual(['https://a.loa.vn', 'https://b.loa.vn', 'https://c.loa.vn:8443']);
    expect(c.serverUrl).toBe('https://a.loa.vn');
    expect(c.wsUrl).toBe('wss://a.loa.vn/api/agent/ws');
    expect(loadConfig({ env }).serverUrls).toEqual(['http://127.0.0.1:3000']);
    expect(() => loadConfig({ env: { ...env, LOA_SERVER_URL: 'https://a.loa.vn,,https://b.loa.vn' } })).toThrow(/LOA_SERVER_URL.*mục trống/);
    expect(() => loadConfig({ env: { ...env, LOA_SERVER_URL: 'https://a.loa.vn,ftp://b.loa.vn' } })).toThrow(/LOA_SERVER_URL.*"ftp:\/\/b.loa.vn" phải là địa chỉ http\(s\)/);
    // One plain-HTTP instance elsewhere in the list exposes the token like a single one would.
    expect(() => loadConfig({ env: { ...env, LOA_SERVER_URL: 'https://a.loa.vn,http://10.0.0.6:3000' } })).toThrow(/LOA_ALLOW_INSECURE=1/);
  });

  it('lets the environment override the file', () => {
    const file = JSON.stringify({ serverUrl: 'https://loa.example.vn/', stationToken: 'file-token-123', player: 'file', lateGraceMs: 500 });
    const c = loadConfig({ env: { LOA_PLAYER: 'null', LOA_LATE_GRACE_MS: '1500' }, file: 'agent.json', readFile: () => file });
    expect(c.serverUrl).toBe('https://loa.example.vn');
    expect(c.wsUrl).toBe('wss://loa.example.vn/api/agent/ws');
    expect(c.stationToken).toBe('file-token-123');
    expect(c.player).toBe('null');
    expect(c.lateGraceMs).toBe(1500);
  });

  it('refuses plain http:// (and so ws://) to a server on another machine, naming LOA_ALLOW_INSECURE', () => {
    for (const url of ['http://10.0.0.5:3000', 'http://loa.example.vn', 'http://server:3000']) {
      expect(() => loadConfig({ env: { ...env, LOA_SERVER_URL: url } })).toThrow(/LOA_SERVER_URL.*https:\/\/.*LOA_ALLOW_INSECURE=1/);
    }
  });

  it('allows plain http:// on this machine, over https:// anywhere, and elsewhere only with LOA_ALLOW_INSECURE=1', () => {
    for (const url of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000', 'http://127.8.9.10']) {
      expect(loadConfig({ env: { ...env, LOA_SERVER_URL: url } }).allowInsecure).toBe(false);
    }
    expect(loadConfig({ env: { ...env, LOA_SERVER_URL: 'https://10.0.0.5' } }).wsUrl).toBe('wss://10.0.0.5/api/agent/ws');
    const lan = loadConfig({ env: { ...env, LOA_SERVER_URL: 'http://server:3000', LOA_ALLOW_INSECURE: '1' } });
    expect([lan.allowInsecure, lan.wsUrl]).toEqual([true, 'ws://server:3000/api/agent/ws']);
    expect(() => loadConfig({ env: { ...env, LOA_SERVER_URL: 'http://server:3000', LOA_ALLOW_INSECURE: '0' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { ...env, LOA_ALLOW_INSECURE: 'maybe' } })).toThrow(/LOA_ALLOW_INSECURE/);
  });

  it('names each bad value', () => {
    let error: unknown;
    try {
      loadConfig({ env: { ...env, LOA_PLAYER: 'speaker', LOA_LOOKAHEAD_HOURS: 'abc', LOA_SERVER_URL: 'ftp://x' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toMatch(/LOA_PLAYER/);
    expect(text).toMatch(/LOA_LOOKAHEAD_HOURS/);
    expect(text).toMatch(/LOA_SERVER_URL/);
  });

  it('rejects a config file that is not JSON, and unknown keys in it', () => {
    expect(() => loadConfig({ env, file: 'a.json', readFile: () => '{oops' })).toThrow(/a\.json/);
    expect(() => loadConfig({ env, file: 'a.json', readFile: () => '{"sereverUrl":"x"}' })).toThrow(ConfigError);
  });

  it('fades a hard cut over 300 ms unless LOA_FADE_MS says otherwise, and refuses a fade beyond 5 s', () => {
    expect(loadConfig({ env }).fadeMs).toBe(300);
    expect(loadConfig({ env: { ...env, LOA_FADE_MS: '0' } }).fadeMs).toBe(0);
    expect(() => loadConfig({ env: { ...env, LOA_FADE_MS: '9000' } })).toThrow(/LOA_FADE_MS/);
  });

  it('maps speaker clusters to devices from LOA_CLUSTERS or the file, none by default, and names a bad map', () => {
    expect(loadConfig({ env }).clusters).toEqual({});
    const id = '5f0c2d7e-1111-4a4a-8b8b-000000000001';
    expect(loadConfig({ env: { ...env, LOA_CLUSTERS: JSON.stringify({ [id]: 'plughw:1,0', cum2: 'cum_dong' }) } }).clusters).toEqual({ [id]: 'plughw:1,0', cum2: 'cum_dong' });
    expect(loadConfig({ env, file: 'a.json', readFile: () => JSON.stringify({ clusters: { [id]: 'hw:2,0' } }) }).clusters).toEqual({ [id]: 'hw:2,0' });
    expect(() => loadConfig({ env: { ...env, LOA_CLUSTERS: 'hw:1,0' } })).toThrow(/LOA_CLUSTERS \(clusters\): phải là JSON/);
    expect(() => loadConfig({ env: { ...env, LOA_CLUSTERS: JSON.stringify({ [id]: '' }) } })).toThrow(/LOA_CLUSTERS/);
    expect(() => loadConfig({ env: { ...env, LOA_CLUSTERS: JSON.stringify({ 'a b': 'hw:1,0' }) } })).toThrow(/LOA_CLUSTERS/);
  });

  it('reads the download cap and window, with no limit by default, and refuses values it cannot keep', () => {
    const plain = loadConfig({ env });
    expect(plain).toMatchObject({ downloadKbps: null, downloadWindow: null, downloadUrgentHours: 6 });
    const limited = loadConfig({ env: { ...env, LOA_DOWNLOAD_KBPS: '256', LOA_DOWNLOAD_WINDOW: '22:00-05:00', LOA_DOWNLOAD_URGENT_HOURS: '3' } });
    expect(limited.downloadKbps).toBe(256);
    expect(limited.downloadWindow?.text).toBe('22:00-05:00');
    expect(limited.downloadUrgentHours).toBe(3);
    expect(() => loadConfig({ env: { ...env, LOA_DOWNLOAD_WINDOW: '22h-5h' } })).toThrow(/LOA_DOWNLOAD_WINDOW.*22:00-05:00/);
    expect(() => loadConfig({ env: { ...env, LOA_DOWNLOAD_WINDOW: '05:00-05:00' } })).toThrow(/LOA_DOWNLOAD_WINDOW/);
    expect(() => loadConfig({ env: { ...env, LOA_DOWNLOAD_KBPS: '0' } })).toThrow(/LOA_DOWNLOAD_KBPS/);
    expect(() => loadConfig({ env: { ...env, LOA_DOWNLOAD_KBPS: 'fast' } })).toThrow(/LOA_DOWNLOAD_KBPS/);
  });

  it('reads --config from the command line', () => {
    expect(configPathFromArgs(['--config', '/etc/loa/agent.json'])).toBe('/etc/loa/agent.json');
    expect(configPathFromArgs(['--config=/x.json'])).toBe('/x.json');
    expect(configPathFromArgs([])).toBeUndefined();
    expect(() => configPathFromArgs(['--config'])).toThrow(ConfigError);
  });
});
