import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { fingerprintOf } from '../logbook/seal-signature';
import { DOSSIER_FORMAT, judgeDossier, MANIFEST_PATH, SIGNATURE_PATH, signedBytes, type ZipEntryDigest } from './dossier-manifest';

const key = generateKeyPairSync('ed25519');
const fingerprint = fingerprintOf(key.publicKey);
const keys = new Map([[fingerprint, key.publicKey]]);
const digest = (path: string, text: string): ZipEntryDigest => ({ path, sha256: createHash('sha256').update(text).digest('hex'), size: Buffer.byteLength(text) });

function dossier(files: ZipEntryDigest[]) {
  const manifest = Buffer.from(JSON.stringify({ format: DOSSIER_FORMAT, keyFingerprint: fingerprint, files }));
  const signature = Buffer.from(JSON.stringify({ algorithm: 'Ed25519', keyFingerprint: fingerprint, signature: sign(null, signedBytes(manifest), key.privateKey).toString('base64') }));
  return { manifest, signature };
}

describe('judging a dossier against its signed manifest', () => {
  const files = [digest('a.txt', 'một'), digest('b.txt', 'hai')];
  const { manifest, signature } = dossier(files);
  const entries = [...files, digest(MANIFEST_PATH, manifest.toString()), digest(SIGNATURE_PATH, signature.toString())];

  it('passes when every file is there, unchanged, and the signature holds', () => {
    expect(judgeDossier(entries, manifest, signature, keys, true)).toMatchObject({ ok: true, filesChecked: 2, keyFingerprint: fingerprint, problems: [] });
  });

  it('names each changed, missing, added or doubled file', () => {
    const report = judgeDossier([digest('a.txt', 'một!'), digest('c.txt', 'ba'), digest('c.txt', 'ba')], manifest, signature, keys, true);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([
      ['duplicate', 'c.txt'],
      ['sha256', 'a.txt'],
      ['missing', 'b.txt'],
      ['unlisted', 'c.txt'],
    ]);
  });

  it('fails a manifest edited after signing, an unknown key, and a missing signature', () => {
    const edited = Buffer.from(manifest.toString().replace('a.txt', 'x.txt'));
    expect(judgeDossier(entries, edited, signature, keys, true).problems.map((p) => p.kind)).toContain('signature');
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(judgeDossier(entries, manifest, signature, new Map([[fingerprintOf(other), other]]), true).problems.map((p) => p.kind)).toEqual(['key']);
    expect(judgeDossier(entries, manifest, null, keys, true).problems.map((p) => p.kind)).toEqual(['signature']);
    expect(judgeDossier(entries, Buffer.from('{'), signature, keys, true).problems.map((p) => p.kind)).toEqual(['manifest']);
  });
});
