import { Readable } from 'node:stream';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { partial, unused, asRepository } from '../../../../test/support/fakes/fakes';
import { InMemoryLiveRelayRepository, StillClock } from '../../../../test/support/fakes/live.fake';
import { assetRow } from '../../../../test/support/fakes/media.fake';
import type { Principal } from '../auth/principal';
import type { MediaService, ReadyMediaAsset } from '../media/media.service';
import type { TtsService } from '../media/tts/tts.service';
import type { Programme } from '../programmes/programme.entity';
import { LiveInputs } from './live-inputs';
import type { LiveRelayRepository } from './live-relay.repository';
import type { LiveSourceFetcher } from './live-source';
import type { StartLive } from './live-state';

const admin: Principal = { kind: 'user', userId: 'u-admin', username: 'admin', role: 'admin', unitId: 'P' };
const communeA: Principal = { kind: 'user', userId: 'u-a1', username: 'a1', role: 'operator', unitId: 'A1' };
const GAIN = { db: 1.5, ceilingDbtp: -1 };
const base: StartLive = { kind: 'emergency', title: 'Bão số 3', sourceKind: 'programme', programmeId: 'p-1' };

function programme(fields: Partial<Programme> = {}): Programme {
  return { id: 'p-1', title: 'Bản tin', chuyenMuc: 'Thời sự', chuyenMucId: null, topicId: null, description: '', mediaAssetId: 'm-1', spokenText: null, createdBy: null, public: false, createdAt: '2026-01-01T00:00:00.000Z', ...fields };
}

function setup(overrides: { media?: Partial<MediaService>; sources?: Partial<LiveSourceFetcher>; tts?: Partial<TtsService> } = {}) {
  const relays = new InMemoryLiveRelayRepository();
  const { access, facts } = provinceAccess({ users: [{ id: 'u-other', unitId: 'B1' }] });
  relays.unitRows.push(...facts.unitRows);
  relays.stationRows.push({ id: 's-a1', unitId: 'A1', name: 'Trạm A1' }, { id: 's-b1', unitId: 'B1', name: 'Trạm B1' });
  relays.programmeRows.push(programme());
  const asset = assetRow({ id: 'm-1' }) as ReadyMediaAsset;
  const media = partial<MediaService>('media', {
    requireReady: (async () => asset) as unknown as MediaService['requireReady'],
    fileFor: (async (sha: string) => ({ path: `/media/${sha}.mp3` })) as unknown as MediaService['fileFor'],
    liveGain: (async () => GAIN) as unknown as MediaService['liveGain'],
    ...overrides.media,
  });
  const inputs = new LiveInputs(
    asRepository<LiveRelayRepository>(relays),
    access,
    media,
    partial<LiveSourceFetcher>('sources', overrides.sources ?? {}),
    overrides.tts ? partial<TtsService>('tts', overrides.tts) : unused<TtsService>('tts'),
    new StillClock(Date.parse('2026-01-01T08:00:00.000Z')),
  );
  return { inputs, relays };
}

describe('LiveInputs', () => {
  it('resolves units to their stations and keeps a relay within the caller’s unit', async () => {
    const { inputs } = setup();
    expect(await inputs.targets({ ...base, unitIds: ['P'] }, admin)).toEqual(expect.arrayContaining(['s-a1', 's-b1']));
    expect(await inputs.targets({ ...base, stationIds: ['s-a1'] }, communeA)).toEqual(['s-a1']);
    await expect(inputs.targets({ ...base, stationIds: ['s-b1'] }, communeA)).rejects.toMatchObject({
      code: 'forbidden',
      message: 'Cán bộ trạm chỉ được phát thông báo khẩn cấp trên các trạm thuộc đơn vị của mình.',
    });
  });

  it('refuses stations and units that do not exist, and a choice that reaches no station', async () => {
    const { inputs, relays } = setup();
    await expect(inputs.targets({ ...base, stationIds: ['s-x'] }, admin)).rejects.toMatchObject({ code: 'not_found', details: { missing: ['s-x'] } });
    await expect(inputs.targets({ ...base, unitIds: ['Q'] }, admin)).rejects.toMatchObject({ code: 'not_found', details: { missing: ['Q'] } });
    relays.unitRows.push({ id: 'empty', parentId: 'P' });
    await expect(inputs.targets({ ...base, unitIds: ['empty'] }, admin)).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('airs a stored programme at its live gain, and hides another unit’s own programme', async () => {
    const { inputs, relays } = setup();
    expect(await inputs.source(base, admin)).toEqual({ source: { kind: 'file', path: '/media/sha-m-1.mp3', format: 'mp3', gain: GAIN }, programmeId: 'p-1', url: null, reopen: null, credentials: null });
    relays.programmeRows[0]!.createdBy = 'u-other';
    await expect(inputs.source(base, communeA)).rejects.toMatchObject({ code: 'not_found' });
    await expect(inputs.source({ ...base, programmeId: undefined }, admin)).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('opens a stream URL without keeping its password, and opens it again for a later round', async () => {
    const opened: string[] = [];
    const { inputs } = setup({
      sources: { open: (async (url: { shown: string; credentials: string | null }) => (opened.push(`${url.shown} ${url.credentials}`), { body: Readable.from([]), format: 'mp3' })) as LiveSourceFetcher['open'] },
    });
    const r = await inputs.source({ ...base, sourceKind: 'url', programmeId: undefined, url: 'http://user:secret@radio.example/live.mp3' }, admin);
    expect(r.url).toBe('http://radio.example/live.mp3');
    expect(r.credentials).toBe('user:secret');
    expect(r.source.kind).toBe('stream');
    await r.reopen!();
    expect(opened).toEqual(['http://radio.example/live.mp3 user:secret', 'http://radio.example/live.mp3 user:secret']);
  });

  it('reads a text out and keeps it as a programme, or refuses when the speech is not ready in time', async () => {
    const spoken = assetRow({ id: 'm-tts', sha256: 'sha-tts' });
    const { inputs, relays } = setup({
      tts: { speak: (async () => ({ id: 'm-tts' })) as unknown as TtsService['speak'] },
      media: { settled: (async () => spoken) as unknown as MediaService['settled'] },
    });
    const r = await inputs.source({ ...base, sourceKind: 'text', programmeId: undefined, text: '  Sơ tán ngay.  ' }, admin);
    expect(r.source).toEqual({ kind: 'file', path: '/media/sha-tts.mp3', format: 'mp3', gain: GAIN });
    expect(relays.programmeRows.at(-1)).toMatchObject({ id: r.programmeId, title: 'Bão số 3', chuyenMuc: 'Thông báo khẩn cấp', spokenText: 'Sơ tán ngay.', mediaAssetId: 'm-tts', createdBy: 'u-admin' });

    spoken.status = 'failed';
    await expect(inputs.source({ ...base, sourceKind: 'text', programmeId: undefined, text: 'Sơ tán.' }, admin)).rejects.toMatchObject({ code: 'media_not_ready' });
  });
});
