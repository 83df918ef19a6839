import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';

interface Service {
  image?: string;
  build?: string;
  profiles?: string[];
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: unknown;
}

const ROOT = join(__dirname, '..', '..', '..');
const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY(?!_FILE)/;
/** `${NAME}`, `${NAME:-}` or `${NAME:?message}`: a value taken from the environment or .env, never written here. */
const FROM_ENV = /^\$\{[A-Z_]+(:-|:\?[^}]*)?\}$/;

/** docker-compose.yml read as data (docker compose itself is not needed): the grown deployment it describes. */
describe('docker-compose.yml', () => {
  it('runs PostgreSQL, NATS with JetStream, two server instances, nginx and an agent', () => {
    expect(Object.keys(services).sort()).toEqual(['agent', 'nats', 'nginx', 'postgres', 'server-a', 'server-b']);
    expect(services.nats.command).toEqual(expect.arrayContaining(['-js']));
    for (const name of ['server-a', 'server-b']) {
      expect(services[name].build).toBe('.');
      expect(services[name].environment).toMatchObject({ NATS_URL: 'nats://nats:4222', LOA_SEAL_KEY_FILE: '/var/lib/loa/keys/seal-ed25519.pem' });
      expect(services[name].environment!.DATABASE_URL).toMatch(/^postgres:\/\/loa:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/loa$/);
    }
  });

  it('has the instances share the database, the sign-in secret, the media store and the seal key, each with its own data folder', () => {
    const [a, b] = [services['server-a'], services['server-b']];
    for (const key of ['DATABASE_URL', 'JWT_SECRET', 'LOA_SEAL_KEY_FILE']) expect(a.environment![key]).toBe(b.environment![key]);
    const mount = (s: Service, path: string) => s.volumes!.find((v) => v.endsWith(`:${path}`));
    expect(mount(a, '/var/lib/loa/media')).toBe(mount(b, '/var/lib/loa/media'));
    expect(mount(a, '/var/lib/loa/keys')).toBe(mount(b, '/var/lib/loa/keys'));
    expect(mount(a, '/var/lib/loa/data')).not.toBe(mount(b, '/var/lib/loa/data'));
  });

  it('writes no secret into the file: every password, secret and token comes from the environment', () => {
    const seen: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!SECRET_NAME.test(key)) continue;
        seen.push(`${name}.${key}`);
        expect(`${name}.${key}=${value}`).toMatch(new RegExp(`=${FROM_ENV.source.slice(1)}`));
      }
    }
    expect(seen).toEqual(expect.arrayContaining(['postgres.POSTGRES_PASSWORD', 'server-a.JWT_SECRET', 'server-b.JWT_SECRET', 'agent.LOA_STATION_TOKEN']));
    expect(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')).not.toMatch(/postgres:\/\/[^:]+:[^$@]+@/);
  });

  it('starts everything but the agent without a station token: the agent is in its own profile and its token is optional', () => {
    expect(services.agent.profiles).toEqual(['agent']);
    expect(services.agent.environment!.LOA_STATION_TOKEN).toBe('${LOA_STATION_TOKEN:-}');
    for (const [name, service] of Object.entries(services)) {
      if (name === 'agent') continue;
      expect(service.profiles).toBeUndefined();
      expect(JSON.stringify(service)).not.toContain('LOA_STATION_TOKEN');
    }
    // The agent may use either instance.
    expect(services.agent.environment!.LOA_SERVER_URL.split(',')).toEqual(['http://server-a:3000', 'http://server-b:3000']);
  });

  it("gives nginx an upstream of both instances, made from deploy/nginx/loa.conf by the service's own command", () => {
    const command = services.nginx.command as string[];
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const dir = mkdtempSync(join(tmpdir(), 'loa-compose-'));
    try {
      const script = command[2]
        .replaceAll('$$', '$')
        .replace('/etc/nginx/templates/loa.conf.template', join(ROOT, 'deploy/nginx/loa.conf'))
        .replace('/etc/nginx/conf.d/default.conf', join(dir, 'default.conf'))
        .replace(/&& exec nginx .*$/, '');
      execFileSync('/bin/sh', ['-c', script], { env: { ...process.env, LOA_DOMAIN: 'loa.quangtri.gov.vn' } });
      const site = readFileSync(join(dir, 'default.conf'), 'utf8');
      const upstream = /upstream loa_server \{([^}]*)\}/.exec(site)![1];
      const servers = upstream.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('server '));
      expect(servers).toEqual(['server server-a:3000 max_fails=1 fail_timeout=10s;', 'server server-b:3000 max_fails=1 fail_timeout=10s;']);
      expect(site).toContain('server_name loa.quangtri.gov.vn;');
      expect(site).not.toContain('127.0.0.1:3000');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
