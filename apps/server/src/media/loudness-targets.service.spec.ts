import { asRepository } from '../../../../test/support/fakes/fakes';
import { InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { LoudnessTargetsService } from './loudness-targets.service';
import type { MediaRepository } from './media.repository';

function setup(globalLufs?: number) {
  const repo = new InMemoryMediaRepository();
  const loudness = globalLufs === undefined ? undefined : { targetLufs: globalLufs, truePeakCeilingDbtp: -1, silenceThresholdDb: -50, silenceMinMs: 500 };
  const clock = new FakeClock(Date.parse('2026-03-01T08:00:00.000Z'));
  return { repo, service: new LoudnessTargetsService(asRepository<MediaRepository>(repo), { mediaDir: '/nowhere', maxUploadBytes: 1, loudness }, clock) };
}

describe('LoudnessTargetsService on in-memory targets', () => {
  it('normalises a chuyên mục to its own loudness target, else the global one, and names a missing one', async () => {
    const { service } = setup();
    await expect(service.setTarget('   ', -20, 'u')).rejects.toMatchObject({ code: 'validation_failed' });
    await service.setTarget(' Thời sự ', -20, 'u');
    expect(await service.targetFor('Thời sự')).toBe(-20);
    expect(await service.targetFor('Ca nhạc')).toBe(-16);
    expect(await service.targetFor(null)).toBe(-16);
    await service.removeTarget('Thời sự');
    await expect(service.removeTarget('Thời sự')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('falls back to the configured global target, and records who set a target and when', async () => {
    const { service } = setup(-23);
    expect(await service.targetFor('Ca nhạc')).toBe(-23);
    await service.setTarget('Ca nhạc', -14, 'editor-1');
    expect(await service.listTargets()).toEqual([{ chuyenMuc: 'Ca nhạc', targetLufs: -14, updatedBy: 'editor-1', updatedAt: '2026-03-01T08:00:00.000Z' }]);
  });
});
