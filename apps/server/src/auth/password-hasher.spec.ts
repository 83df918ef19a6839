import { AppConfig } from '../config/app-config';
import { PasswordHasher, Slots } from './password-hasher';
import { verifyPassword } from './password';

describe('bounded slots for password hashes', () => {
  it('runs at most `running` at once, queues `waiting` more, refuses the rest at once, and serves the queue in order', async () => {
    const slots = new Slots(1, 2);
    const releases: (() => void)[] = [];
    const started: number[] = [];
    const task = (n: number) => () =>
      new Promise<number>((resolve) => {
        started.push(n);
        releases.push(() => resolve(n));
      });
    const refused = (): never => {
      throw new Error('busy');
    };
    const results = [1, 2, 3].map((n) => slots.run(task(n), refused));
    await expect(slots.run(task(4), refused)).rejects.toThrow('busy');
    expect(started).toEqual([1]);
    expect(slots.busy).toEqual({ active: 1, queued: 2 });
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      releases[i]();
      await results[i];
    }
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect(started).toEqual([1, 2, 3]);
    expect(slots.busy).toEqual({ active: 0, queued: 0 });
  });

  it('frees the slot when a task fails', async () => {
    const slots = new Slots(1, 0);
    const refused = (): never => {
      throw new Error('busy');
    };
    await expect(slots.run(() => Promise.reject(new Error('boom')), refused)).rejects.toThrow('boom');
    await expect(slots.run(() => Promise.resolve('ok'), refused)).resolves.toBe('ok');
  });
});

describe('the password hasher', () => {
  it('hashes and checks on its own threads, in the same format as on the pool, and stops its threads', async () => {
    const hasher = new PasswordHasher({ passwordHashConcurrency: 2 } as AppConfig);
    const [a, b] = await Promise.all([hasher.hash('mat-khau-dai-1'), hasher.hash('mat-khau-dai-2')]);
    expect(await verifyPassword('mat-khau-dai-1', a)).toBe(true);
    expect(await hasher.verify('mat-khau-dai-2', b)).toBe(true);
    expect(await hasher.verify('mat-khau-dai-1', b)).toBe(false);
    await hasher.onModuleDestroy();
  }, 60_000);
});
