import { Clock } from '../common/clock';
import { DomainEvents } from '../common/events';
import { LoaError } from '../common/errors';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { InMemoryEnrolmentRepository } from '../../../../test/support/fakes/stations.fake';
import type { EnrolmentRepository } from './enrolment.repository';
import { ENROLMENT_MAX_FAILURES, ENROLMENT_TTL_MS, EnrolmentService } from './enrolment.service';
import type { Station } from './station.entity';
import type { StationsService } from './stations.service';

class StepClock extends Clock {
  at = Date.parse('2026-03-01T00:00:00Z');
  override now(): number {
    return this.at;
  }
}

function setup() {
  const station = { id: 's-1', name: 'Xã Một', code: 'X1', unitId: 'A1', tokenHash: null, enrolledAt: null } as unknown as Station;
  const repo = new InMemoryEnrolmentRepository([station]);
  const clock = new StepClock();
  const events = new DomainEvents();
  const emitted: unknown[] = [];
  events.stream.subscribe((e) => emitted.push(e));
  const stations = partial<StationsService>('stations', {
    get: async (id: string) => {
      if (id !== 's-1') throw new LoaError('not_found', 'Không tìm thấy trạm này.');
      return station;
    },
  });
  const enrolment = new EnrolmentService(asRepository<EnrolmentRepository>(repo), stations, clock, events);
  return { enrolment, repo, clock, emitted, station };
}

describe('EnrolmentService on in-memory codes', () => {
  it('exchanges a fresh code once for a new token, and drops an agent holding the old one', async () => {
    const { enrolment, repo, emitted, station } = setup();
    const { code, expiresAt } = await enrolment.issue('s-1');
    expect(expiresAt).toBe(new Date(Date.parse('2026-03-01T00:00:00Z') + ENROLMENT_TTL_MS).toISOString());
    const got = await enrolment.exchange(code.toLowerCase(), '10.0.0.1');
    expect(got.station).toMatchObject({ id: 's-1', enrolledAt: '2026-03-01T00:00:00.000Z' });
    expect(station.tokenHint).toBe(got.token.slice(0, 12));
    expect(station.tokenHash).not.toContain(got.token);
    expect(emitted).toEqual([{ type: 'station.token-revoked', stationId: 's-1' }]);
    await expect(enrolment.exchange(code, '10.0.0.1')).rejects.toMatchObject({ code: 'enrolment_code_used' });
    expect(repo.codes).toHaveLength(1);
  });

  it('keeps only the newest open code of a station', async () => {
    const { enrolment } = setup();
    const first = await enrolment.issue('s-1');
    const second = await enrolment.issue('s-1');
    await expect(enrolment.exchange(first.code, '10.0.0.1')).rejects.toMatchObject({ code: 'enrolment_code_invalid' });
    await expect(enrolment.exchange(second.code, '10.0.0.1')).resolves.toMatchObject({ station: { id: 's-1' } });
    await expect(enrolment.issue('nowhere')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a code a day old, and one another exchange claimed a moment before', async () => {
    const { enrolment, repo, clock, emitted } = setup();
    const late = await enrolment.issue('s-1');
    clock.at += ENROLMENT_TTL_MS;
    await expect(enrolment.exchange(late.code, '10.0.0.1')).rejects.toMatchObject({ code: 'enrolment_code_expired' });
    const raced = await enrolment.issue('s-1');
    repo.loseNextClaim = true;
    await expect(enrolment.exchange(raced.code, '10.0.0.1')).rejects.toMatchObject({ code: 'enrolment_code_used' });
    expect(emitted).toEqual([]);
  });

  it('stops an address after too many wrong codes, even before the code is looked at', async () => {
    const { enrolment } = setup();
    const { code } = await enrolment.issue('s-1');
    for (let i = 0; i < ENROLMENT_MAX_FAILURES; i++) await expect(enrolment.exchange('AAAA-AAAA', '10.0.0.9')).rejects.toMatchObject({ code: 'enrolment_code_invalid' });
    await expect(enrolment.exchange(code, '10.0.0.9')).rejects.toMatchObject({ code: 'too_many_requests' });
    await expect(enrolment.exchange(code, '10.0.0.2')).resolves.toMatchObject({ station: { id: 's-1' } });
  });
});
