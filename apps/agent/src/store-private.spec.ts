import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentStore } from './store';

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe("the agent's database file", () => {
  let umask: number;
  beforeAll(() => {
    umask = process.umask(0o022);
  });
  afterAll(() => process.umask(umask));

  it('is created 0600 with its WAL and shared-memory files, whatever the umask', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'loa-agent-private-')), 'agent.db');
    const store = new AgentStore(file);
    expect([modeOf(file), modeOf(`${file}-wal`), modeOf(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    store.db.close();
  });

  it('tightens one an earlier version left readable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-agent-private-'));
    const file = join(dir, 'agent.db');
    writeFileSync(file, '', { mode: 0o644 });
    const store = new AgentStore(file);
    expect(modeOf(file)).toBe(0o600);
    store.db.close();
  });
});
