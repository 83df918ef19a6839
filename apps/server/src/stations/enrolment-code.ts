import { randomInt } from 'node:crypto';
import { hashToken } from '../auth/password';

/** No 0/O, 1/I/L: the code is read aloud over the phone and typed on a box's keyboard. */
export const ENROLMENT_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const ENROLMENT_CODE_LENGTH = 8;

/** A fresh code, shown as two groups of four ("K7QM-3XHP"). */
export function newEnrolmentCode(): string {
  let raw = '';
  for (let i = 0; i < ENROLMENT_CODE_LENGTH; i++) raw += ENROLMENT_ALPHABET[randomInt(ENROLMENT_ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4)}`;
}

/** The code as typed, without case, spaces or dashes; null when it cannot be a code at all. */
export function normaliseEnrolmentCode(typed: string): string | null {
  const raw = typed.toUpperCase().replace(/[\s-]/g, '');
  if (raw.length !== ENROLMENT_CODE_LENGTH) return null;
  for (const ch of raw) if (!ENROLMENT_ALPHABET.includes(ch)) return null;
  return raw;
}

export function hashEnrolmentCode(normalised: string): string {
  return hashToken(`enrol:${normalised}`);
}
