import { hashPassword, verifyPassword } from './password';

describe('stored passwords', () => {
  it('are scrypt hashes with memory-hard parameters (N ≥ 2^15, r = 8: 32 MiB per try) and a random salt', async () => {
    const stored = await hashPassword('mat-khau-dai-1');
    const [kind, N, r, p, salt, key] = stored.split('$');
    expect(kind).toBe('scrypt');
    expect(Number(N)).toBeGreaterThanOrEqual(2 ** 15);
    expect(128 * Number(N) * Number(r)).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(await hashPassword('mat-khau-dai-1')).not.toBe(stored);
  });

  it('verify the right password only', async () => {
    const stored = await hashPassword('mat-khau-dai-1');
    expect(await verifyPassword('mat-khau-dai-1', stored)).toBe(true);
    expect(await verifyPassword('mat-khau-dai-2', stored)).toBe(false);
    expect(await verifyPassword('mat-khau-dai-1', 'bcrypt$x')).toBe(false);
  });
});
