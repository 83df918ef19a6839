import { Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import type { LiveService } from '../live/live.service';
import { InMemoryCapRepository } from '../../../../test/support/fakes/cap.fake';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import type { Unit } from '../units/unit.entity';
import type { UnitsService } from '../units/units.service';
import type { User } from '../users/user.entity';
import type { CapRepository } from './cap.repository';
import { CapService } from './cap.service';

const SENDER = 'kttv@nchmf.gov.vn';

function cap(d: { identifier: string; status?: string; msgType?: string; references?: string; areaDesc?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>${d.identifier}</identifier>
  <sender>${SENDER}</sender>
  <sent>2026-12-04T20:00:00+07:00</sent>
  <status>${d.status ?? 'Actual'}</status>
  <msgType>${d.msgType ?? 'Alert'}</msgType>
  <scope>Public</scope>
  ${d.references ? `<references>${d.references}</references>` : ''}
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <event>Bão</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Bão số 5 sắp đổ bộ</headline>
    <description>Gió giật cấp 12</description>
    <area><areaDesc>${d.areaDesc ?? 'Xã Cẩm Bình'}</areaDesc></area>
  </info>
</alert>`;
}

const admin: Principal = { kind: 'user', userId: 'root', username: 'root', role: 'admin', unitId: null };
const approverOf = (unitId: string): Principal => ({ kind: 'user', userId: `ap-${unitId}`, username: 'ap', role: 'approver', unitId });

function setup(makerDisabled = false) {
  const repo = new InMemoryCapRepository(
    [{ id: 'root', username: 'root', role: 'admin', unitId: null, disabled: makerDisabled } as User],
    [
      { id: 'H', name: 'Huyện Cẩm Xuyên', code: null, parentId: null } as Unit,
      { id: 'CB', name: 'Xã Cẩm Bình', code: null, parentId: 'H' } as Unit,
      { id: 'CV', name: 'Xã Cẩm Vĩnh', code: null, parentId: 'H' } as Unit,
    ],
  );
  const tree: Record<string, string[]> = { H: ['H', 'CB', 'CV'], CB: ['CB'], CV: ['CV'] };
  const units = partial<UnitsService>('units', {
    get: async (id: string) => ({ id }) as Unit,
    subtreeIds: async (id: string) => tree[id] ?? [],
  });
  const started: { unitIds: readonly string[] | undefined; text: string | undefined; by: Principal }[] = [];
  const stopped: string[] = [];
  const live = partial<LiveService>('live', {
    start: (async (input: { unitIds?: string[]; text?: string }, by: Principal) => {
      started.push({ unitIds: input.unitIds, text: input.text, by });
      return { relay: { id: `relay-${started.length}` } };
    }) as unknown as LiveService['start'],
    stop: (async (id: string) => void stopped.push(id)) as unknown as LiveService['stop'],
  });
  const service = new CapService(asRepository<CapRepository>(repo), new Clock(), live, units);
  return { service, repo, started, stopped };
}

describe('CapService on in-memory sources, rules and alerts', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('airs an actual alert on the units its area names, in the name of the rule\'s maker, and ignores its repeat', async () => {
    const { service, started } = setup();
    await service.createRule({ name: 'Bão', unitId: 'H', mode: 'air' }, admin);
    const first = await service.receive(cap({ identifier: 'a1' }), 'test');
    expect(first).toMatchObject({ duplicate: false, alert: { decision: 'aired', unitIds: ['CB'], relayId: 'relay-1' } });
    expect(started).toEqual([expect.objectContaining({ unitIds: ['CB'], by: expect.objectContaining({ userId: 'root' }) })]);
    expect(started[0]!.text).toContain('Gió giật cấp 12');
    expect(await service.receive(cap({ identifier: 'a1' }), 'test')).toMatchObject({ duplicate: true });
    expect(started).toHaveLength(1);
  });

  it('stores but does not air an exercise, an alert no rule matches, or one whose rule maker was disabled', async () => {
    const { service, started } = setup(true);
    await service.createRule({ name: 'Bão', unitId: 'H', mode: 'air' }, admin);
    expect((await service.receive(cap({ identifier: 'x', status: 'Exercise' }), 't')).alert.decision).toBe('not_actual');
    expect((await service.receive(cap({ identifier: 'y', areaDesc: 'Tỉnh khác' }), 't')).alert.decision).toBe('unmatched');
    expect((await service.receive(cap({ identifier: 'z' }), 't')).alert.decision).toBe('failed');
    expect(started).toEqual([]);
  });

  it('holds a draft rule\'s alert for an approver whose unit covers every area it names', async () => {
    const { service, started } = setup();
    await service.createRule({ name: 'Bão', unitId: 'H', mode: 'draft' }, admin);
    const { alert } = await service.receive(cap({ identifier: 'd1', areaDesc: 'Xã Cẩm Bình, Xã Cẩm Vĩnh' }), 't');
    expect(alert).toMatchObject({ decision: 'awaiting_approval', unitIds: ['CB', 'CV'] });
    await expect(service.approve(alert.id, approverOf('CB'))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.approve(alert.id, approverOf('H'))).resolves.toMatchObject({ decision: 'approved', approvedBy: 'ap-H' });
    await expect(service.approve(alert.id, approverOf('H'))).rejects.toMatchObject({ code: 'invalid_state' });
    expect(started).toHaveLength(1);
  });

  it('a Cancel stops the emergency of the alert it references and marks it cancelled', async () => {
    const { service, repo, stopped } = setup();
    await service.createRule({ name: 'Bão', unitId: 'H', mode: 'air' }, admin);
    await service.receive(cap({ identifier: 'a1' }), 't');
    const cancel = await service.receive(cap({ identifier: 'c1', msgType: 'Cancel', references: `${SENDER},a1,2026-12-04T20:00:00+07:00` }), 't');
    expect(cancel.alert.decision).toBe('cancelled');
    expect(stopped).toEqual(['relay-1']);
    expect(repo.alertRows.find((a) => a.identifier === 'a1')!.decision).toBe('cancelled');
  });

  it('hands a source its token once and knows the source by it afterwards', async () => {
    const { service } = setup();
    const { source, token } = await service.createSource('KTTV', admin);
    expect(source).not.toHaveProperty('tokenHash');
    await expect(service.sourceForToken(token)).resolves.toMatchObject({ id: source.id });
    await expect(service.sourceForToken('cap_wrong')).rejects.toMatchObject({ code: 'unauthorized' });
    await service.deleteSource(source.id);
    await expect(service.deleteSource(source.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
