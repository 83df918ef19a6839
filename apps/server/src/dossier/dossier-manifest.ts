import { verify, type KeyObject } from 'node:crypto';

/**
 * The dossier's manifest as plain data and functions: what it lists, the exact bytes that are signed,
 * and the offline check of a dossier against it. No framework, no database: the server and the command
 * line share it.
 */

export const DOSSIER_FORMAT = 'loa-dossier-v1';
export const MANIFEST_PATH = 'manifest.json';
export const SIGNATURE_PATH = 'manifest.sig';

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface DossierManifest {
  format: typeof DOSSIER_FORMAT;
  generatedAt: string;
  generatedBy: string;
  issuingUnit: string;
  scope: { stationId: string | null; unitId: string | null; stations: { id: string; code: string; name: string }[] };
  period: { from: string; to: string; text: string };
  audio: 'files' | 'links';
  algorithm: 'Ed25519';
  keyFingerprint: string;
  files: ManifestFile[];
}

export interface ManifestSignature {
  algorithm: 'Ed25519';
  keyFingerprint: string;
  /** base64 of the Ed25519 signature over `signedBytes(manifest.json)`. */
  signature: string;
}

/**
 * What is signed: the manifest's bytes exactly as stored in the ZIP, after a prefix of their own, so a
 * dossier signature can never pass for a seal's or the other way round.
 */
export function signedBytes(manifestBytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${DOSSIER_FORMAT}\n`), manifestBytes]);
}

/** One problem found in a dossier, in words an inspector reads. */
export interface DossierProblem {
  path: string | null;
  kind: 'missing' | 'sha256' | 'size' | 'unlisted' | 'duplicate' | 'manifest' | 'signature' | 'key';
  message: string;
}

export interface DossierReport {
  ok: boolean;
  filesChecked: number;
  keyFingerprint: string | null;
  /** The signature was checked with a key the caller supplied, not only the one inside the dossier. */
  keyFromCaller: boolean;
  problems: DossierProblem[];
}

export interface ZipEntryDigest {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Judges a dossier from what its ZIP holds: every entry's digest, and the manifest's and signature's
 * bytes. `keys` are the public keys to trust, by fingerprint.
 */
export function judgeDossier(
  entries: readonly ZipEntryDigest[],
  manifestBytes: Buffer | null,
  signatureBytes: Buffer | null,
  keys: ReadonlyMap<string, KeyObject>,
  keyFromCaller: boolean,
): DossierReport {
  const problems: DossierProblem[] = [];
  const report = (keyFingerprint: string | null, filesChecked = 0): DossierReport => ({ ok: problems.length === 0, filesChecked, keyFingerprint, keyFromCaller, problems });
  const seen = new Map<string, ZipEntryDigest>();
  for (const e of entries) {
    if (seen.has(e.path)) problems.push({ path: e.path, kind: 'duplicate', message: `Tệp "${e.path}" xuất hiện hai lần trong hồ sơ.` });
    seen.set(e.path, e);
  }
  if (!manifestBytes) {
    problems.push({ path: MANIFEST_PATH, kind: 'manifest', message: `Hồ sơ không có ${MANIFEST_PATH}.` });
    return report(null);
  }
  let manifest: DossierManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as DossierManifest;
    if (manifest.format !== DOSSIER_FORMAT || !Array.isArray(manifest.files)) throw new Error('format');
  } catch {
    problems.push({ path: MANIFEST_PATH, kind: 'manifest', message: `${MANIFEST_PATH} không đọc được hoặc không đúng định dạng hồ sơ Loa.` });
    return report(null);
  }
  let signature: ManifestSignature | null = null;
  try {
    signature = signatureBytes ? (JSON.parse(signatureBytes.toString('utf8')) as ManifestSignature) : null;
  } catch {
    signature = null;
  }
  if (!signature || typeof signature.signature !== 'string' || typeof signature.keyFingerprint !== 'string') {
    problems.push({ path: SIGNATURE_PATH, kind: 'signature', message: `Hồ sơ không có chữ ký hợp lệ (${SIGNATURE_PATH}).` });
  } else {
    const key = keys.get(signature.keyFingerprint);
    if (signature.keyFingerprint !== manifest.keyFingerprint) {
      problems.push({ path: SIGNATURE_PATH, kind: 'key', message: 'Khóa ghi trong chữ ký khác khóa ghi trong danh mục tệp.' });
    } else if (!key) {
      problems.push({ path: SIGNATURE_PATH, kind: 'key', message: `Hồ sơ được ký bằng khóa ${signature.keyFingerprint.slice(0, 16)}…, không có trong các khóa công khai được tin cậy.` });
    } else if (!signatureValid(manifestBytes, signature.signature, key)) {
      problems.push({ path: MANIFEST_PATH, kind: 'signature', message: 'Chữ ký của danh mục tệp không khớp: danh mục đã bị sửa hoặc không do máy chủ này ký.' });
    }
  }
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const e = seen.get(f.path);
    if (!e) problems.push({ path: f.path, kind: 'missing', message: `Thiếu tệp "${f.path}".` });
    else if (e.sha256 !== f.sha256) problems.push({ path: f.path, kind: 'sha256', message: `Tệp "${f.path}" đã bị thay đổi (mã SHA-256 không khớp).` });
    else if (e.size !== f.size) problems.push({ path: f.path, kind: 'size', message: `Tệp "${f.path}" có kích thước khác danh mục.` });
  }
  for (const e of seen.keys()) {
    if (e === MANIFEST_PATH || e === SIGNATURE_PATH || listed.has(e)) continue;
    problems.push({ path: e, kind: 'unlisted', message: `Tệp "${e}" không có trong danh mục (được thêm vào sau).` });
  }
  return report(manifest.keyFingerprint ?? null, manifest.files.length);
}

function signatureValid(manifestBytes: Buffer, signature: string, key: KeyObject): boolean {
  try {
    return verify(null, signedBytes(manifestBytes), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
