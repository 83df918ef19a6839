import { randomBytes, scrypt, ScryptOptions, timingSafeEqual, createHash } from 'node:crypto';

// scrypt is memory-hard and built into Node: N=2^15, r=8 takes 32 MiB and tens of milliseconds per try.
const PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

/** Derives a scrypt key; where it runs (libuv's pool, a thread of its own) is the caller's choice. */
export type ScryptKey = (password: string, salt: Buffer, keyLength: number, params: Required<Pick<ScryptOptions, 'N' | 'r' | 'p' | 'maxmem'>>) => Promise<Buffer>;

/** On libuv's thread pool. */
export const scryptOnPool: ScryptKey = (password, salt, keyLength, params) =>
  new Promise((resolve, reject) => scrypt(password, salt, keyLength, params, (err, key) => (err ? reject(err) : resolve(key))));

const withMaxmem = (params: { N: number; r: number; p: number }) => ({ ...params, maxmem: 128 * params.N * params.r * 2 });

/** "scrypt$N$r$p$salt$hash", salt and hash in base64url. */
export async function hashPassword(password: string, derive: ScryptKey = scryptOnPool): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, KEY_LENGTH, withMaxmem(PARAMS));
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string, derive: ScryptKey = scryptOnPool): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  const key = await derive(password, salt, KEY_LENGTH, withMaxmem({ N, r, p }));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A stored hash for a password that never matches, so unknown users cost the same time as known ones. */
export const DUMMY_HASH = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;

/** Station tokens are 256 random bits, so one fast hash is enough to store them safely. */
export const STATION_TOKEN_PREFIX = 'loa_st_';

export function newStationToken(): string {
  return STATION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
