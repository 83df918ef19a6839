import fc from 'fast-check';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CANONICAL_FIELDS, canonicalJson, ChainContent, ChainLink, chainLine, ChainVerifier, GENESIS, sealDigest, SealLink } from './chain';
import { fingerprintOf, signSeal, signSealRun } from './seal-signature';

function content(pos: number): ChainContent {
  return {
    stationId: 'st-1',
    stationName: 'Trạm Cẩm Bình',
    unitId: 'u-1',
    chainPos: pos,
    year: 2026,
    number: pos,
    occurrenceId: `occ-${pos}`,
    revision: 0,
    amendsLineId: null,
    correctionReason: null,
    slotId: `slot-${pos}`,
    programmeId: 'p-1',
    programmeTitle: 'Chuyên mục Cải cách hành chính tháng 3',
    chuyenMuc: 'Cải cách hành chính',
    topic: null,
    source: 'relay',
    priority: 'normal',
    speakerClusters: null,
    plannedStart: `2026-03-0${pos}T22:30:00.000Z`,
    actualStart: `2026-03-0${pos}T22:30:00.001Z`,
    endedAt: `2026-03-0${pos}T22:45:00.000Z`,
    durationMs: 900_000,
    plannedDurationMs: 900_000,
    startErrorMs: 0.8,
    result: 'complete',
    reason: null,
    detail: null,
    recordedBy: 'tự động',
    createdAt: `2026-03-0${pos}T22:45:01.000Z`,
  };
}

function build(n: number): ChainLink[] {
  const out: ChainLink[] = [];
  let prev = GENESIS;
  for (let pos = 1; pos <= n; pos++) {
    const c = content(pos);
    const h = chainLine(c, prev);
    out.push({ ...c, chainPos: pos, id: pos, ...h });
    prev = h.lineHash;
  }
  return out;
}

function verify(lines: ChainLink[], seals: SealLink[] = [], anchor: ChainLink | null = null) {
  const v = new ChainVerifier(anchor, seals);
  for (const l of lines) v.push(l);
  return v.finish();
}

function sealAt(line: ChainLink, day: string): SealLink {
  const facts = { stationId: 'st-1', day, lineCount: 1, lastChainPos: line.chainPos, lastLineHash: line.lineHash };
  return { ...facts, digest: sealDigest(facts) };
}

describe('logbook hash chain', () => {
  it('writes canonical JSON with the fixed key order, nulls for absent values', () => {
    const c = content(1);
    const reordered = Object.fromEntries(Object.entries(c).reverse()) as ChainContent;
    expect(canonicalJson(reordered)).toBe(JSON.stringify(c));
    expect(JSON.parse(canonicalJson({ ...c, topic: undefined as unknown as null })).topic).toBeNull();
  });

  it('canonical JSON is exactly JSON.stringify for any text, escapes and lone surrogates included', () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: anyUnit }), fc.constantFrom('"', '\\', '\n', '\u2028', '\ud83d', 'Cải cách "hành chính"'));
    fc.assert(
      fc.property(text, text, fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)), (title, detail, duration) => {
        const c = { ...content(1), programmeTitle: title, detail, durationMs: duration };
        expect(canonicalJson(c)).toBe(JSON.stringify(c));
      }),
    );
  });

  it('an untouched chain verifies, and its head is the last line hash', () => {
    const lines = build(6);
    expect(verify(lines)).toEqual({ ok: true, checked: 6, sealsChecked: 0, head: lines[5].lineHash, firstBreak: null, lastSeal: null });
  });

  it('an edited field is named as an edit of that line', () => {
    const lines = build(6);
    lines[2] = { ...lines[2], result: 'missed' };
    expect(verify(lines).firstBreak).toMatchObject({ kind: 'edited', lineId: 3, chainPos: 3 });
  });

  it('an edit whose hashes were recomputed still shows, at the edited line', () => {
    const lines = build(6);
    const c = { ...lines[2], durationMs: 1 };
    lines[2] = { ...c, ...chainLine(c, lines[1].lineHash) };
    expect(verify(lines).firstBreak).toMatchObject({ kind: 'edited', lineId: 3 });
  });

  it('an edit of the last line is an edit', () => {
    const lines = build(4);
    lines[3] = { ...lines[3], programmeTitle: 'khác' };
    expect(verify(lines).firstBreak).toMatchObject({ kind: 'edited', lineId: 4 });
  });

  it('a deleted line in the middle or at the start is a deletion', () => {
    const lines = build(6);
    expect(verify([...lines.slice(0, 3), ...lines.slice(4)]).firstBreak).toMatchObject({ kind: 'deleted', lineId: 5, chainPos: 5 });
    expect(verify(lines.slice(1)).firstBreak).toMatchObject({ kind: 'deleted', lineId: 2 });
  });

  it('a line slipped into the middle or added at the end is an insertion', () => {
    const lines = build(5);
    const forged: ChainLink = { ...lines[1], id: 99, chainPos: 2.5, occurrenceId: 'forged' };
    expect(verify([...lines.slice(0, 2), forged, ...lines.slice(2)]).firstBreak).toMatchObject({ kind: 'inserted', lineId: 99 });
    const tail: ChainLink = { ...lines[4], id: 100, chainPos: 6, occurrenceId: 'forged' };
    expect(verify([...lines, tail]).firstBreak).toMatchObject({ kind: 'inserted', lineId: 100 });
  });

  it('a forged line with a well-formed link to its predecessor is caught by the next line', () => {
    const lines = build(5);
    const c = { ...content(3), occurrenceId: 'forged' };
    const forged: ChainLink = { ...c, id: 99, chainPos: 2.5, ...chainLine(c, lines[1].lineHash) };
    expect(verify([...lines.slice(0, 2), forged, ...lines.slice(2)]).firstBreak).toMatchObject({ kind: 'inserted', lineId: 99 });
  });

  it('a seal catches a chain rewritten from some line on, and lines cut off the end', () => {
    const lines = build(5);
    const seal = sealAt(lines[3], '2026-03-05');
    // Rewrite line 2 and every hash after it: the links all hold, but not against the seal.
    const rewritten = lines.slice(0, 1);
    for (const l of lines.slice(1)) {
      const c = l.chainPos === 2 ? { ...l, detail: 'sửa' } : l;
      rewritten.push({ ...c, ...chainLine(c, rewritten[rewritten.length - 1].lineHash) });
    }
    expect(verify(rewritten).ok).toBe(true);
    expect(verify(rewritten, [seal]).firstBreak).toMatchObject({ kind: 'edited', chainPos: 4 });
    expect(verify(lines.slice(0, 3), [seal]).firstBreak).toMatchObject({ kind: 'deleted', chainPos: 4 });
    expect(verify(lines, [seal])).toMatchObject({ ok: true, sealsChecked: 1 });
    expect(verify(lines, [{ ...seal, lineCount: 9 }]).firstBreak).toMatchObject({ kind: 'edited' });
  });

  it('checks a range from an anchor line', () => {
    const lines = build(6);
    expect(verify(lines.slice(3), [], lines[2]).ok).toBe(true);
    expect(verify(lines.slice(4), [], lines[2]).firstBreak).toMatchObject({ kind: 'deleted' });
  });

  it('any change to any hashed field of any line is detected', () => {
    const lines = build(5);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.constantFrom(...CANONICAL_FIELDS), fc.oneof(fc.string(), fc.integer()), (i, field, value) => {
        if (lines[i][field] === value) return;
        const copy = lines.map((l) => ({ ...l }));
        (copy[i] as unknown as Record<string, unknown>)[field] = value;
        const report = verify(copy);
        expect(report.ok).toBe(false);
      }),
    );
  });

  describe('seals made in one go, signed as one run', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyId = fingerprintOf(publicKey);
    const keys = new Map<string, KeyObject>([[keyId, publicKey]]);

    /** A signed seal of `line`, made at `hour` (UTC, on 2026-03-01), not yet carrying its signature. */
    function hourSeal(line: ChainLink, lineCount: number, hour: number): SealLink {
      const facts = { stationId: 'st-1', day: '2026-03-01', lineCount, lastChainPos: line.chainPos, lastLineHash: line.lineHash, createdAt: `2026-03-01T${String(hour).padStart(2, '0')}:00:00.000Z`, keyId };
      return { ...facts, digest: sealDigest(facts), signature: null };
    }

    /** Seals of lines 2, 4 and 6, signed together as the writer signs the hours of a backlog. */
    function run(lines: ChainLink[]): SealLink[] {
      const seals = [hourSeal(lines[1], 2, 1), hourSeal(lines[3], 2, 2), hourSeal(lines[5], 2, 3)];
      const signature = signSealRun('st-1', keyId, seals.map((x) => x.digest), privateKey);
      return seals.map((x) => ({ ...x, signature }));
    }

    function check(lines: ChainLink[], seals: SealLink[], publicKeys = keys) {
      const v = new ChainVerifier(null, seals, publicKeys);
      for (const l of lines) v.push(l);
      return v.finish();
    }

    it('every seal of the run pins its hour, under the one signature', () => {
      const lines = build(6);
      const seals = run(lines);
      expect(new Set(seals.map((x) => x.signature)).size).toBe(1);
      expect(check(lines, seals)).toMatchObject({ ok: true, sealsChecked: 3, lastSeal: { lastChainPos: 6, signed: true } });
    });

    it('a seal taken out of the run, or one slipped into it, breaks the signature', () => {
      const lines = build(6);
      const seals = run(lines);
      expect(check(lines, [seals[0], seals[2]]).firstBreak).toMatchObject({ kind: 'seal', chainPos: 2 });
      const forged = hourSeal(lines[2], 1, 2);
      expect(check(lines, [...seals, { ...forged, signature: seals[0].signature }]).firstBreak).toMatchObject({ kind: 'seal' });
    });

    it('a seal of the run changed, its digest recomputed, breaks the signature', () => {
      const lines = build(6);
      const seals = run(lines);
      const { digest: _old, ...facts } = { ...seals[1], lineCount: 1 };
      seals[1] = { ...facts, digest: sealDigest(facts) };
      expect(check(lines, seals).firstBreak).toMatchObject({ kind: 'seal', chainPos: 2 });
    });

    it('the last seal of a run taken away leaves the run unsigned', () => {
      const lines = build(6);
      const seals = run(lines);
      expect(check(lines, seals.slice(0, 2)).firstBreak).toMatchObject({ kind: 'seal' });
    });

    it('fails with the wrong key, and a run of one is signed on its own message', () => {
      const lines = build(6);
      const other = generateKeyPairSync('ed25519').publicKey;
      expect(check(lines, run(lines), new Map([[keyId, other]])).firstBreak).toMatchObject({ kind: 'seal' });
      const one = hourSeal(lines[5], 6, 3);
      const signature = signSeal({ ...one, keyId, createdAt: one.createdAt! }, privateKey);
      expect(check(lines, [{ ...one, signature }])).toMatchObject({ ok: true, sealsChecked: 1 });
      const asRun = signSealRun('st-1', keyId, [one.digest], privateKey);
      expect(check(lines, [{ ...one, signature: asRun }]).firstBreak).toMatchObject({ kind: 'seal' });
    });

    it('a range ending inside a run is checked with the whole run, its later seals pinning no line of the range', () => {
      const lines = build(6);
      const v = new ChainVerifier(null, run(lines), keys, 4);
      for (const l of lines.slice(0, 4)) v.push(l);
      expect(v.finish()).toMatchObject({ ok: true, checked: 4, sealsChecked: 2, lastSeal: { lastChainPos: 4 } });
    });
  });
});

describe('proof-of-air fields in the chain', () => {
  it('hashes a line without them exactly as before they existed, and covers them on a line that has them', () => {
    const before = content(1);
    const legacy = canonicalJson(before);
    expect(canonicalJson({ ...before, airVerdict: null, airConfirmedMs: null, airCoveragePct: null, airOffsetMs: null, deadAirMs: null })).toBe(legacy);
    expect(JSON.parse(legacy)).toEqual(Object.fromEntries(CANONICAL_FIELDS.map((f) => [f, before[f]])));

    const proved = { ...before, airVerdict: 'confirmed', airConfirmedMs: 870_000, airCoveragePct: 97, airOffsetMs: 12, deadAirMs: null };
    expect(JSON.parse(canonicalJson(proved))).toMatchObject({ airVerdict: 'confirmed', airCoveragePct: 97, airOffsetMs: 12 });
    const h = chainLine(proved, GENESIS);
    const line: ChainLink = { ...proved, id: 1, chainPos: 1, ...h };
    expect(verify([line]).ok).toBe(true);
    // A verdict changed in the database, or removed, breaks the line.
    expect(verify([{ ...line, airVerdict: 'not_confirmed' } as ChainLink]).firstBreak?.kind).toBe('edited');
    expect(verify([{ ...line, airVerdict: null } as ChainLink]).firstBreak?.kind).toBe('edited');
  });
});
