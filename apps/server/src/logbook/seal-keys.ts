import { Injectable } from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { fingerprintOf, parsePublicKeys, shortFingerprint, signSeal, signSealRun, type SignedSealFacts } from './seal-signature';

export interface PublishedKey {
  fingerprint: string;
  /** Groups of four hex digits, as printed on exports. */
  short: string;
  publicKeyPem: string;
  /** The key signing new seals now; the others are retired and kept so old seals still verify. */
  current: boolean;
  since: string;
}

/**
 * The Ed25519 key that signs logbook seals, kept in a file outside the database (`LOA_SEAL_KEY_FILE`,
 * by default `DATA_DIR/keys/seal-ed25519.pem`, made once with mode 0600). Every public key it has used
 * is kept beside it as `seal-<fingerprint>.pub.pem`, so rotating the key (replacing the file) keeps the
 * old seals verifiable.
 */
@Injectable()
export class SealKeys {
  private readonly privateKey: KeyObject;
  readonly fingerprint: string;
  /** The current public key (SPKI PEM). */
  readonly publicKeyPem: string;
  private readonly publicDir: string;

  constructor(config: AppConfig) {
    const file = config.sealKeyFile;
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      // Written only if still absent: two servers starting on one data folder keep the first key.
      try {
        writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      chmodSync(file, 0o600);
    }
    this.privateKey = createPrivateKey(readFileSync(file));
    if (this.privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: the seal key must be an Ed25519 private key`);
    const publicKey = createPublicKey(this.privateKey);
    this.fingerprint = fingerprintOf(publicKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.publicDir = join(config.dataDir, 'keys');
    mkdirSync(this.publicDir, { recursive: true, mode: 0o700 });
    const pub = join(this.publicDir, `seal-${this.fingerprint.slice(0, 16)}.pub.pem`);
    if (!existsSync(pub)) writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  }

  get shortFingerprint(): string {
    return shortFingerprint(this.fingerprint);
  }

  sign(facts: Omit<SignedSealFacts, 'keyId'>): { keyId: string; signature: string } {
    const signed = { ...facts, keyId: this.fingerprint };
    return { keyId: this.fingerprint, signature: signSeal(signed, this.privateKey) };
  }

  /** An Ed25519 signature (base64) over other bytes than a seal's, e.g. a dossier's manifest. */
  signBytes(data: Buffer): { keyId: string; signature: string } {
    return { keyId: this.fingerprint, signature: sign(null, data, this.privateKey).toString('base64') };
  }

  /** One signature over a run of a station's seals, given each seal's digest in chain order. */
  signRun(stationId: string, digests: readonly string[]): { keyId: string; signature: string } {
    return { keyId: this.fingerprint, signature: signSealRun(stationId, this.fingerprint, digests, this.privateKey) };
  }

  /** Every public key this server has signed with, current first. */
  published(): PublishedKey[] {
    const out: PublishedKey[] = [];
    for (const name of readdirSync(this.publicDir).filter((n) => /^seal-[0-9a-f]{16}\.pub\.pem$/.test(n))) {
      const path = join(this.publicDir, name);
      const pem = readFileSync(path, 'utf8');
      for (const [fingerprint, key] of parsePublicKeys(pem)) {
        out.push({
          fingerprint,
          short: shortFingerprint(fingerprint),
          publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(),
          current: fingerprint === this.fingerprint,
          since: statSync(path).mtime.toISOString(),
        });
      }
    }
    return out.sort((a, b) => Number(b.current) - Number(a.current) || b.since.localeCompare(a.since));
  }

  /** The published keys by fingerprint, to verify seals with. */
  publicKeys(): Map<string, KeyObject> {
    return parsePublicKeys(this.published().map((k) => k.publicKeyPem).join('\n'));
  }
}
