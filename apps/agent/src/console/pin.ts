import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** A PIN the operator can type on a phone: 4 to 12 digits. */
export const PIN_PATTERN = /^\d{4,12}$/;

/** `scrypt$<N>$<salt b64>$<hash b64>`, the form the config file keeps (never the PIN itself). */
export const PIN_HASH_PATTERN = /^scrypt\$\d{4,7}\$[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{40,100}$/;

const COST = 16384;
const KEY_BYTES = 32;

function derive(pin: string, salt: Buffer, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, KEY_BYTES, { N: cost, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export class PinError extends Error {}

/** The sentence an operator reads when the PIN they chose is not usable. */
export function pinProblem(pin: string): string | null {
  if (!PIN_PATTERN.test(pin)) return 'Mã PIN phải gồm 4 đến 12 chữ số.';
  if (/^(\d)\1+$/.test(pin) || '0123456789012'.includes(pin) || '9876543210987'.includes(pin)) return 'Mã PIN quá dễ đoán (các số giống nhau hoặc liên tiếp); hãy chọn mã khác.';
  return null;
}

export async function hashPin(pin: string): Promise<string> {
  const problem = pinProblem(pin);
  if (problem) throw new PinError(problem);
  const salt = randomBytes(16);
  const key = await derive(pin, salt, COST);
  return `scrypt$${COST}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Compares in constant time; a malformed stored hash matches nothing. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  if (!PIN_HASH_PATTERN.test(stored) || typeof pin !== 'string' || pin.length > 64) return false;
  const [, cost, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(pin, Buffer.from(salt, 'base64'), Number(cost)).catch(() => null);
  return key !== null && key.length === expected.length && timingSafeEqual(key, expected);
}
