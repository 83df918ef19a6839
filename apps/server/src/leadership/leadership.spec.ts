import { leaderLockSessions } from './leader-lock.repository';
import { AdvisoryLockLeadership, createLeadership, type LockSession } from './leadership';

/** A database that hands one advisory lock to one session at a time, as PostgreSQL does. */
class FakeDatabase {
  holder: FakeSession | null = null;
  down = false;

  async connect(): Promise<LockSession> {
    if (this.down) throw new Error('connection refused');
    return new FakeSession(this);
  }
}

class FakeSession implements LockSession {
  private lost: Array<(err: Error) => void> = [];
  alive = true;

  constructor(private readonly db: FakeDatabase) {}

  async tryLock(): Promise<boolean> {
    if (!this.alive) throw new Error('session gone');
    if (this.db.holder === null) this.db.holder = this;
    return this.db.holder === this;
  }

  async ping(): Promise<void> {
    if (!this.alive) throw new Error('session gone');
  }

  async close(): Promise<void> {
    this.end();
  }

  onLost(listener: (err: Error) => void): void {
    this.lost.push(listener);
  }

  /** The session ends: its lock goes with it. */
  end(notify = false): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.db.holder === this) this.db.holder = null;
    if (notify) for (const l of this.lost) l(new Error('terminated'));
  }
}

const quiet = { log: () => undefined, warn: () => undefined };

describe('leadership of the once-per-deployment jobs', () => {
  const made: AdvisoryLockLeadership[] = [];
  const make = (db: FakeDatabase) => {
    const l = new AdvisoryLockLeadership(() => db.connect(), { retryMs: 60_000, log: quiet });
    made.push(l);
    return l;
  };
  afterEach(async () => {
    for (const l of made.splice(0)) await l.onApplicationShutdown();
  });

  it('one process on SQLite always leads', async () => {
    const l = await createLeadership({ engine: 'sqlite', path: ':memory:' });
    expect(l.isLeader()).toBe(true);
  });

  it('takes an advisory lock session only on PostgreSQL, and opens none until asked', () => {
    expect(leaderLockSessions({ engine: 'sqlite', path: ':memory:' })).toBeNull();
    expect(leaderLockSessions({ engine: 'postgres', url: 'postgres://loa@127.0.0.1:1/loa' })).toEqual(expect.any(Function));
  });

  it('of two instances on one database exactly one leads, and the first to try it', async () => {
    const db = new FakeDatabase();
    const a = make(db);
    const b = make(db);
    await a.tick();
    await b.tick();
    await a.tick();
    await b.tick();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
  });

  it('when the leader\'s session ends, it stops leading at once and the other takes over at its next try, telling its jobs', async () => {
    const db = new FakeDatabase();
    const a = make(db);
    const b = make(db);
    const gained: string[] = [];
    a.onGained(() => gained.push('a'));
    b.onGained(() => gained.push('b'));
    await a.tick();
    await b.tick();
    (db.holder as FakeSession).end(true);
    expect(a.isLeader()).toBe(false);
    await b.tick();
    expect(b.isLeader()).toBe(true);
    await a.tick();
    expect(a.isLeader()).toBe(false);
    expect(gained).toEqual(['a', 'b']);
  });

  it('a leader whose session died without a word finds out at its next check and lets go', async () => {
    const db = new FakeDatabase();
    const a = make(db);
    await a.tick();
    const session = db.holder as FakeSession;
    session.end(false);
    expect(a.isLeader()).toBe(true);
    await a.tick();
    expect(a.isLeader()).toBe(false);
    // The next try opens a new session and, with nobody else there, leads again.
    await a.tick();
    expect(a.isLeader()).toBe(true);
    expect(db.holder).not.toBe(session);
  });

  it('with the database unreachable nobody leads, and an instance leads once it is back', async () => {
    const db = new FakeDatabase();
    db.down = true;
    const a = make(db);
    await a.tick();
    expect(a.isLeader()).toBe(false);
    db.down = false;
    await a.tick();
    expect(a.isLeader()).toBe(true);
  });

  it('a stopped instance releases the lock for the others', async () => {
    const db = new FakeDatabase();
    const a = make(db);
    const b = make(db);
    await a.tick();
    await a.onApplicationShutdown();
    await b.tick();
    expect(b.isLeader()).toBe(true);
    expect(a.isLeader()).toBe(false);
  });
});
