import { createPublicKey, hash, KeyObject, sign, verify } from 'node:crypto';

/**
 * Signed seals as plain functions. A seal commits to a station's chain at one moment: how many lines it
 * had (its head's position), how many were added since the previous seal, the head's hash and when it
 * was sealed. The Ed25519 signature is made with a key kept outside the database, so whoever can write the
 * database can still not rewrite the chain and its seals together.
 */

export interface SignedSealFacts {
  stationId: string;
  lastChainPos: number;
  lineCount: number;
  lastLineHash: string;
  createdAt: string;
  keyId: string;
}

/** The exact bytes signed. Never change: old signatures depend on it. */
export function sealMessage(s: SignedSealFacts): string {
  return `loa-seal-v2|${s.stationId}|${s.lastChainPos}|${s.lineCount}|${s.lastLineHash}|${s.createdAt}|${s.keyId}`;
}

/** A public key's fingerprint: sha256 of its DER (SubjectPublicKeyInfo), in hex. */
export function fingerprintOf(publicKey: KeyObject): string {
  return hash('sha256', publicKey.export({ type: 'spki', format: 'der' }), 'hex');
}

/** The fingerprint as people copy it down: groups of four, the first 32 hex digits. */
export function shortFingerprint(fp: string): string {
  return fp.slice(0, 32).match(/.{4}/g)!.join(':');
}

export function signSeal(facts: SignedSealFacts, privateKey: KeyObject): string {
  return sign(null, Buffer.from(sealMessage(facts)), privateKey).toString('base64');
}

export function sealSignatureValid(facts: SignedSealFacts, signature: string, publicKey: KeyObject): boolean {
  return signatureValid(sealMessage(facts), signature, publicKey);
}

/**
 * The exact bytes signed for a run of a station's seals made in one go (a backlog of hours written at
 * once): the digest of each seal's own message, in chain order. One signature then covers every hour's
 * seal of the run, and removing, adding or changing any of them breaks it. Never change.
 */
export function sealRunMessage(stationId: string, keyId: string, digests: readonly string[]): string {
  return `loa-seal-run-v1|${stationId}|${keyId}|${digests.length}|${digests.join('|')}`;
}

export function signSealRun(stationId: string, keyId: string, digests: readonly string[], privateKey: KeyObject): string {
  return sign(null, Buffer.from(sealRunMessage(stationId, keyId, digests)), privateKey).toString('base64');
}

export function sealRunSignatureValid(stationId: string, keyId: string, digests: readonly string[], signature: string, publicKey: KeyObject): boolean {
  return signatureValid(sealRunMessage(stationId, keyId, digests), signature, publicKey);
}

function signatureValid(message: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(message), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Every PUBLIC KEY block of a PEM text (one file may hold the current key and the retired ones), by fingerprint. */
export function parsePublicKeys(pem: string): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  for (const block of pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []) {
    const key = createPublicKey(block);
    if (key.asymmetricKeyType !== 'ed25519') continue;
    out.set(fingerprintOf(key), key);
  }
  return out;
}
