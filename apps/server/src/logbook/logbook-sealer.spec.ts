import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { UnitOfWork } from '../database/unit-of-work';
import type { Leadership } from '../leadership/leadership';
import { partial, unused } from '../../../../test/support/fakes/fakes';
import { LogbookSealer } from './logbook-sealer';
import type { LogbookWriter } from './logbook-writer';

class FixedClock extends Clock {
  override now(): number {
    return Date.parse('2026-03-01T10:00:00Z');
  }
}

describe('LogbookSealer', () => {
  const transaction = { marker: 'the transaction' } as unknown as EntityManager;
  const tx = partial<UnitOfWork>('tx', { run: <T>(work: (m: EntityManager) => Promise<T>) => work(transaction) });

  it('seals what is due in one transaction, at the clock\'s instant', async () => {
    const calls: [EntityManager, string][] = [];
    const writer = partial<LogbookWriter>('writer', {
      sealDue: async (m: EntityManager, now: string) => {
        calls.push([m, now]);
        return 3;
      },
    });
    const sealer = new LogbookSealer(tx, writer, new FixedClock(), unused<AppConfig>('config'), unused<Leadership>('leadership'));
    expect(await sealer.sealNow()).toBe(3);
    expect(calls).toEqual([[transaction, '2026-03-01T10:00:00.000Z']]);
  });

  it('reports a failed seal and carries on, to try again the next hour', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const writer = partial<LogbookWriter>('writer', { sealDue: () => Promise.reject(new Error('database is locked')) });
    const sealer = new LogbookSealer(tx, writer, new FixedClock(), unused<AppConfig>('config'), unused<Leadership>('leadership'));
    expect(await sealer.sealNow()).toBe(0);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('database is locked'));
    errors.mockRestore();
  });
});
