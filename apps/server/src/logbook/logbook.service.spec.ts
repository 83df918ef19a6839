import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { Tx, UnitOfWork } from '../database/unit-of-work';
import type { Station } from '../stations/station.entity';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { InMemoryLogbookLines } from '../../../../test/support/fakes/logbook.fake';
import type { UnitsService } from '../units/units.service';
import { PassThrough } from 'node:stream';
import { sha256 } from './chain';
import type { LogbookLine } from './logbook-line.entity';
import type { LogbookLinesRepository } from './logbook-lines.repository';
import type { LineDraft, LogbookWriter } from './logbook-writer';
import { LogbookService } from './logbook.service';
import type { SealKeys } from './seal-keys';

const TREE: Record<string, string[]> = { P: ['P', 'A', 'B', 'A1', 'B1'], A: ['A', 'A1'], B: ['B', 'B1'], A1: ['A1'], B1: ['B1'] };
const STATIONS = [{ id: 's-a1', name: 'Xã A1', unitId: 'A1', code: 'A1' } as Station, { id: 's-b1', name: 'Xã B1', unitId: 'B1', code: 'B1' } as Station];

let nextId = 0;
function line(stationId: string, fields: Partial<LogbookLine> = {}): LogbookLine {
  const station = STATIONS.find((s) => s.id === stationId)!;
  const id = ++nextId;
  return {
    id,
    stationId,
    stationName: station.name,
    unitId: station.unitId,
    occurrenceId: `occ-${id}`,
    revision: 0,
    chainPos: id,
    lineHash: `hash-${id}`,
    plannedStart: `2026-03-0${Math.min(9, id)}T01:00:00.000Z`,
    programmeTitle: 'Bản tin',
    result: 'complete',
    ...fields,
  } as LogbookLine;
}

function setup() {
  nextId = 0;
  const repo = new InMemoryLogbookLines(STATIONS);
  repo.lines.push(line('s-a1'), line('s-b1'), line('s-a1'), line('s-a1', { plannedStart: '2026-04-01T00:00:00.000Z' }));
  const appended: LineDraft[] = [];
  const writer = partial<LogbookWriter>('writer', {
    append: async (_m: unknown, drafts: readonly LineDraft[]) => {
      appended.push(...drafts);
      const written = drafts.map((d) => ({ ...line(d.stationId), ...d }) as LogbookLine);
      repo.lines.push(...written);
      return written as never;
    },
  });
  const units = partial<UnitsService>('units', { subtreeIds: async (id: string) => TREE[id] ?? [id] });
  const tx = partial<UnitOfWork>('tx', { run: <T>(work: (m: Tx) => Promise<T>) => work({} as Tx) });
  const logbook = new LogbookService(
    asRepository<LogbookLinesRepository>(repo),
    tx,
    writer,
    units,
    new Clock(),
    provinceAccess().access,
    partial<SealKeys>('keys', { shortFingerprint: 'ab12cd34' }),
    { timezone: 'Asia/Ho_Chi_Minh' } as AppConfig,
  );
  return { logbook, repo, appended };
}

const editor = (unitId: string | null): Principal => ({ kind: 'user', userId: 'e', username: 'bien.tap', role: 'editor', unitId });
const inspector = (unitId: string | null): Principal => ({ kind: 'user', userId: 'i', username: 'thanh.tra', role: 'inspector', unitId });
const operator = (unitId: string | null): Principal => ({ kind: 'user', userId: 'o', username: 'van.hanh', role: 'operator', unitId });

const OUTSIDE_LOGBOOK = { code: 'forbidden', message: 'Bạn chỉ xem được nhật ký của các trạm thuộc đơn vị mình.' };
const OUTSIDE_STATION = { code: 'forbidden', message: 'Bạn chỉ làm việc được với các trạm thuộc đơn vị mình.' };

async function drain(out: PassThrough): Promise<string> {
  let text = '';
  for await (const chunk of out) text += String(chunk);
  return text;
}

describe('LogbookService on in-memory lines', () => {
  it('narrows a district\'s filter to its subtree and refuses a sibling\'s or, for an unplaced operator, any', async () => {
    const { logbook } = setup();
    expect(await logbook.scope(editor('A'), {})).toEqual({ unitId: 'A' });
    expect(await logbook.scope(editor('A'), { unitId: 'A1' })).toEqual({ unitId: 'A1' });
    await expect(logbook.scope(editor('A'), { unitId: 'B' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(logbook.scope({ kind: 'user', userId: 'o', username: 'o', role: 'operator', unitId: null }, {})).rejects.toMatchObject({ code: 'forbidden' });
    expect(await logbook.scope(editor(null), { stationId: 's-b1' })).toEqual({ stationId: 's-b1' });
  });

  it('pages through a unit\'s lines in the order they were written, within the period', async () => {
    const { logbook } = setup();
    const first = await logbook.list({ unitId: 'A', to: '2026-03-31T17:00:00.000Z' }, { limit: 1, after: 0 });
    expect(first.items.map((l) => l.id)).toEqual([1]);
    expect(first.next).toBe(1);
    const rest = await logbook.list({ unitId: 'A', to: '2026-04-01T00:00:00+07:00' }, { limit: 5, after: first.next! });
    expect(rest).toEqual({ items: [expect.objectContaining({ id: 3 })], next: null });
  });

  it('prints a digest anyone can recompute from the filter\'s chain hashes, in order', async () => {
    const { logbook } = setup();
    expect(await logbook.digest({ stationId: 's-a1' })).toBe(sha256(sha256('loa-export') + 'hash-1hash-3hash-4'));
    expect(await logbook.digest({ stationId: 's-b1' })).not.toBe(await logbook.digest({ stationId: 's-a1' }));
  });

  it('writes a correction as a new revision amending the original, carrying over what the capture heard', async () => {
    const { logbook, appended } = setup();
    const by: Principal = { kind: 'user', userId: 'i', username: 'thanh.tra', role: 'inspector', unitId: null };
    await logbook.correct(1, { reason: 'Sai tên chương trình', programmeTitle: 'Bản tin trưa' }, by);
    expect(appended[0]).toMatchObject({ revision: 1, amendsLineId: 1, programmeTitle: 'Bản tin trưa', result: 'complete', recordedBy: 'thanh.tra' });
    await expect(logbook.correct(999, { reason: 'x' }, by)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('verifies only a station inside the scope\'s unit', async () => {
    const { logbook } = setup();
    await expect(logbook.verify({ stationId: 's-b1', unitId: 'A' }, {})).rejects.toMatchObject({ code: 'forbidden' });
    await expect(logbook.verify({ stationId: 'nowhere' }, {})).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lists for an inspector of district A only its own lines, and refuses district B or B\'s station in Vietnamese', async () => {
    const { logbook } = setup();
    const own = await logbook.listFor(inspector('A'), {}, { limit: 10, after: 0 });
    expect(own.items.map((l) => l.stationId)).toEqual(['s-a1', 's-a1', 's-a1']);
    await expect(logbook.listFor(inspector('A'), { unitId: 'B' }, { limit: 10, after: 0 })).rejects.toMatchObject(OUTSIDE_LOGBOOK);
    await expect(logbook.listFor(inspector('A'), { stationId: 's-b1' }, { limit: 10, after: 0 })).rejects.toMatchObject(OUTSIDE_STATION);
    // Someone bound to no unit (the province's inspector) still reads every station.
    expect((await logbook.listFor(inspector(null), { stationId: 's-b1' }, { limit: 10, after: 0 })).items.map((l) => l.id)).toEqual([2]);
  });

  it('verifies for a commune operator only its own station, refusing a sibling\'s, and nothing for an operator in no unit', async () => {
    const { logbook } = setup();
    await expect(logbook.verifyFor(operator('A1'), { stationId: 's-b1' })).rejects.toMatchObject(OUTSIDE_STATION);
    await expect(logbook.verifyFor(operator(null), {})).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('chưa được xếp vào đơn vị') });
    await expect(logbook.verifyFor({ kind: 'agent', stationId: 's-a1', stationName: 'Xã A1' }, {})).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses an export of another district before recording it, and writes the own district\'s lines alone', async () => {
    const { logbook, repo } = setup();
    await expect(logbook.prepareExport(operator('A1'), 'csv', { unitId: 'B' })).rejects.toMatchObject(OUTSIDE_LOGBOOK);
    expect(repo.exportRows).toEqual([]);

    const plan = await logbook.prepareExport(inspector('A'), 'csv', {});
    expect(plan.filter).toEqual({ unitId: 'A' });
    expect(repo.exportRows).toEqual([expect.objectContaining({ username: 'thanh.tra', format: 'logbook.csv', filter: '{"unitId":"A"}' })]);
    const out = new PassThrough();
    const [, text] = await Promise.all([logbook.writeExport(plan, out), drain(out)]);
    expect(text).toContain('Xã A1');
    expect(text).not.toContain('Xã B1');
  });
});
