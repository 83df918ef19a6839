import { chooseVersion, inPreferredLanguages, type VersionMedia } from './language-choice';
import { buildSnapshot, type AiringRow } from './snapshot';

const KM: VersionMedia = { programmeId: 'p1', language: 'km', sha256: 'b'.repeat(64), size: 20, durationMs: 900 };
const HMN: VersionMedia = { programmeId: 'p1', language: 'hmn', sha256: 'c'.repeat(64), size: 30, durationMs: 800 };
const OTHER_KM: VersionMedia = { programmeId: 'p2', language: 'km', sha256: 'd'.repeat(64), size: 40, durationMs: 700 };

function row(programmeId: string, startAt: string): AiringRow {
  return {
    slotId: `slot-${programmeId}`,
    startAt,
    durationMs: 1000,
    priority: 'normal',
    source: 'relay',
    startMode: 'hard',
    waitMs: 0,
    clusterIds: null,
    programmeId,
    title: `Chương trình ${programmeId}`,
    chuyenMuc: 'Cải cách hành chính',
    deadAirSeconds: null,
    sha256: 'a'.repeat(64),
    size: 10,
    mediaDurationMs: 1000,
  };
}

describe('which language version a station airs', () => {
  it('takes the first language of the preference the programme has a version in', () => {
    expect(chooseVersion(['km', 'hmn'], [HMN, KM])).toBe(KM);
    expect(chooseVersion(['ede', 'hmn', 'km'], [KM, HMN])).toBe(HMN);
  });

  it('airs the Vietnamese audio when the station has no preference, or none of its languages has a version', () => {
    expect(chooseVersion([], [KM, HMN])).toBeNull();
    expect(chooseVersion(['ede', 'tay'], [KM, HMN])).toBeNull();
    expect(chooseVersion(['km'], [])).toBeNull();
  });

  it('Vietnamese in the preference ranks the languages after it below the programme’s own audio', () => {
    expect(chooseVersion(['vi', 'km'], [KM])).toBeNull();
    expect(chooseVersion(['hmn', 'vi', 'km'], [KM])).toBeNull();
    expect(chooseVersion(['hmn', 'vi', 'km'], [KM, HMN])).toBe(HMN);
  });

  it('each airing gets the audio of its own programme’s version, and the snapshot names that language; Vietnamese airings carry no language', () => {
    const rows = [row('p1', '2026-06-01T22:30:00.000Z'), row('p2', '2026-06-01T23:30:00.000Z'), row('p3', '2026-06-02T00:30:00.000Z')];
    const chosen = inPreferredLanguages(rows, ['hmn', 'km'], [KM, HMN, OTHER_KM]);
    expect(chosen.map((r) => [r.programmeId, r.language ?? null, r.sha256[0]])).toEqual([
      ['p1', 'hmn', 'c'],
      ['p2', 'km', 'd'],
      ['p3', null, 'a'],
    ]);
    const snapshot = buildSnapshot('st', 3, chosen, { from: '2026-06-01T00:00:00.000Z', to: '2026-06-03T00:00:00.000Z', now: '2026-06-01T00:00:00.000Z' });
    expect(snapshot.items.map((i) => [i.language, i.media])).toEqual([
      ['hmn', { sha256: HMN.sha256, size: 30, durationMs: 800, url: `/api/media/files/${HMN.sha256}` }],
      ['km', { sha256: OTHER_KM.sha256, size: 40, durationMs: 700, url: `/api/media/files/${OTHER_KM.sha256}` }],
      [undefined, { sha256: 'a'.repeat(64), size: 10, durationMs: 1000, url: `/api/media/files/${'a'.repeat(64)}` }],
    ]);
    expect('language' in snapshot.items[2]).toBe(false);
    // The rows as read are left as they were.
    expect(rows[0].sha256).toBe('a'.repeat(64));
  });

  it('a station with no preference gets the rows as they are', () => {
    const rows = [row('p1', '2026-06-01T22:30:00.000Z')];
    expect(inPreferredLanguages(rows, [], [KM])).toEqual(rows);
  });
});
