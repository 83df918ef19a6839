import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/unit-of-work';
import { asRepository } from '../../../../test/support/fakes/fakes';
import { InMemoryLogbookChain } from '../../../../test/support/fakes/logbook-chain.fake';
import { ChainVerifier, type ChainLink, type SealLink } from './chain';
import type { LogbookChainRepository } from './logbook-chain.repository';
import { LineDraft, LogbookWriter } from './logbook-writer';
import { SealKeys } from './seal-keys';

function draft(stationId: string, plannedStart: string, createdAt: string, n: number): LineDraft {
  return {
    stationId,
    stationName: `Trạm ${stationId}`,
    unitId: 'unit-1',
    occurrenceId: `occ-${stationId}-${n}`,
    slotId: `slot-${n}`,
    programmeId: 'prog',
    programmeTitle: 'Chuyên mục CCHC',
    chuyenMuc: 'Cải cách hành chính',
    topic: null,
    speakerClusters: null,
    source: 'relay',
    priority: 'normal',
    plannedStart,
    actualStart: plannedStart,
    endedAt: plannedStart,
    durationMs: 600_000,
    plannedDurationMs: 600_000,
    startErrorMs: 1,
    result: 'complete',
    reason: null,
    detail: null,
    recordedBy: 'tự động',
    createdAt,
  };
}

describe('LogbookWriter on an in-memory chain store', () => {
  let dir: string;
  let keys: SealKeys;
  let config: AppConfig;
  let chains: InMemoryLogbookChain;
  let writer: LogbookWriter;
  const tx = (name: string) => ({ name }) as unknown as Tx;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-writer-'));
    config = AppConfig.fromEnv({ DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media') });
    keys = new SealKeys(config);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    chains = new InMemoryLogbookChain();
    writer = new LogbookWriter(config, keys, asRepository<LogbookChainRepository>(chains));
  });

  it('numbers each station\'s lines per local year, chains them, and seals once a later hour\'s first line comes', async () => {
    const t = tx('one');
    // 31 December 23:30 and 1 January 00:30 in Vietnam: two local years, two UTC hours.
    await writer.append(t, [
      draft('a', '2026-12-31T16:30:00.000Z', '2026-12-31T16:40:00.000Z', 1),
      draft('b', '2026-12-31T16:30:00.000Z', '2026-12-31T16:40:00.000Z', 1),
      draft('a', '2026-12-31T17:30:00.000Z', '2026-12-31T17:40:00.000Z', 2),
    ]);
    chains.commit(t);
    expect(chains.locked).toEqual([['a', 'b']]);
    expect(chains.lines.map((l) => [l.stationId, l.chainPos, l.year, l.number])).toEqual([
      ['a', 1, 2026, 1],
      ['b', 1, 2026, 1],
      ['a', 2, 2027, 1],
    ]);
    expect(chains.seals.map((s) => [s.stationId, s.lastChainPos, s.lineCount, s.keyId])).toEqual([['a', 1, 1, keys.fingerprint]]);
    const a = chains.lines.filter((l) => l.stationId === 'a').map((l, i) => ({ ...l, id: i + 1 }) as unknown as ChainLink);
    const verifier = new ChainVerifier(null, chains.seals as SealLink[], keys.publicKeys());
    for (const l of a) verifier.push(l);
    expect(verifier.finish()).toMatchObject({ ok: true, checked: 2, sealsChecked: 1 });
  });

  it('goes on from the stored head in a later append, and seals what is due', async () => {
    const first = tx('first');
    await writer.append(first, [draft('a', '2026-03-01T01:00:00.000Z', '2026-03-01T01:10:00.000Z', 1)]);
    chains.commit(first);
    const second = tx('second');
    await writer.append(second, [draft('a', '2026-03-01T01:20:00.000Z', '2026-03-01T01:30:00.000Z', 2)]);
    chains.commit(second);
    expect(chains.lines.map((l) => [l.chainPos, l.number, l.prevHash === chains.lines[0].lineHash])).toEqual([
      [1, 1, false],
      [2, 2, true],
    ]);
    const sealing = tx('seal');
    expect(await writer.sealDue(sealing, '2026-03-01T02:00:00.000Z')).toBe(1);
    chains.commit(sealing);
    expect(chains.seals).toEqual([expect.objectContaining({ stationId: 'a', lastChainPos: 2, lineCount: 2, lastLineHash: chains.lines[1].lineHash })]);
  });

  it('keeps sealing the head it committed when newest lines vanish from the store, but forgets a rolled-back append', async () => {
    const rolledBack = tx('rolled back');
    await writer.append(rolledBack, [draft('a', '2026-03-01T01:00:00.000Z', '2026-03-01T01:10:00.000Z', 1)]);
    chains.rollback(rolledBack);
    const t = tx('kept');
    await writer.append(t, [draft('a', '2026-03-01T01:00:00.000Z', '2026-03-01T01:10:00.000Z', 1), draft('a', '2026-03-01T01:20:00.000Z', '2026-03-01T01:30:00.000Z', 2)]);
    chains.commit(t);
    expect(chains.lines.map((l) => l.chainPos)).toEqual([1, 2]);
    const written = chains.lines.pop()!;
    const sealing = tx('seal');
    await writer.sealDue(sealing, '2026-03-01T02:00:00.000Z');
    chains.commit(sealing);
    expect(chains.seals).toEqual([expect.objectContaining({ lastChainPos: 2, lastLineHash: written.lineHash })]);
  });
});
