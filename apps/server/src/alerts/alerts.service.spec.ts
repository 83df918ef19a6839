import type { AgentGateway } from '../agents/agent.gateway';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { StationsService } from '../stations/stations.service';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { InMemoryAlertSubscriptions } from '../../../../test/support/fakes/alerts.fake';
import { partial, unused } from '../../../../test/support/fakes/fakes';
import type { MailChannel } from './alert-sender';
import type { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

const who = (role: 'admin' | 'editor', unitId: string | null): Principal => ({ kind: 'user', userId: `${role}-${unitId}`, username: role, role, unitId });

function setup(mailConfigured = true) {
  const repo = new InMemoryAlertSubscriptions();
  const mail = partial<MailChannel>('mail', { configured: mailConfigured } as Partial<MailChannel>);
  const alerts = new AlertsService(
    provinceAccess().access,
    partial<AlertsRepository>('alerts', repo),
    mail,
    unused<AgentGateway>('gateway'),
    unused<StationsService>('stations'),
    new Clock(),
    unused<AppConfig>('config'),
  );
  return { alerts, repo };
}

describe('AlertsService subscriptions on an in-memory table', () => {
  it('gives a webhook a signing secret once and lists it to the units that reach it', async () => {
    const { alerts, repo } = setup();
    const made = await alerts.subscribe(who('admin', 'A'), { channel: 'webhook', target: ' https://hooks.example.vn/loa ', unitId: 'A1', kinds: ['station_offline', 'station_offline'] });
    expect(made.secret).toMatch(/^[\w-]{43}$/);
    expect(made.subscription).toMatchObject({ target: 'https://hooks.example.vn/loa', unitId: 'A1', kinds: ['station_offline'] });
    expect(repo.rows[0]!.secret).toBe(made.secret);
    expect(await alerts.subscriptionsFor(who('admin', 'A'))).toHaveLength(1);
    expect(await alerts.subscriptionsFor(who('admin', 'B'))).toEqual([]);
  });

  it('refuses a bad address, a unit outside reach, and no unit from someone bound to one, storing nothing', async () => {
    const { alerts, repo } = setup(false);
    await expect(alerts.subscribe(who('admin', null), { channel: 'webhook', target: 'ftp://x.vn', unitId: 'A' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(alerts.subscribe(who('admin', null), { channel: 'webhook', target: 'https://u:p@x.vn', unitId: 'A' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(alerts.subscribe(who('admin', null), { channel: 'email', target: 'not-an-address', unitId: 'A' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(alerts.subscribe(who('admin', null), { channel: 'email', target: 'tram@xa.vn', unitId: 'A' })).rejects.toMatchObject({ code: 'email_not_configured' });
    await expect(alerts.subscribe(who('admin', 'A'), { channel: 'webhook', target: 'https://x.vn', unitId: 'B1' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(alerts.subscribe(who('admin', 'A'), { channel: 'webhook', target: 'https://x.vn' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(repo.rows).toEqual([]);
  });

  it('lets only someone reaching its unit remove a subscription; to anyone else it does not exist', async () => {
    const { alerts, repo } = setup();
    const { subscription } = await alerts.subscribe(who('admin', null), { channel: 'webhook', target: 'https://x.vn', unitId: 'B1' });
    await expect(alerts.unsubscribe(who('admin', 'A'), subscription.id)).rejects.toMatchObject({ code: 'not_found' });
    await alerts.unsubscribe(who('admin', 'B'), subscription.id);
    expect(repo.rows).toEqual([]);
    await expect(alerts.unsubscribe(who('admin', null), subscription.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
