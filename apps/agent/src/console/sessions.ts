import { randomBytes } from 'node:crypto';
import { systemNow } from '../clock';

export const SESSION_COOKIE = 'loa_tram';

/** Logged-in phones, in memory: a restart of the agent asks for the PIN again. */
export class Sessions {
  private readonly byToken = new Map<string, number>();

  constructor(
    private readonly idleMs = 12 * 3600_000,
    private readonly now: () => number = systemNow,
    private readonly max = 100,
  ) {}

  open(): string {
    const token = randomBytes(32).toString('base64url');
    this.byToken.set(token, this.now());
    // The oldest goes first when too many phones have logged in.
    while (this.byToken.size > this.max) this.byToken.delete(this.byToken.keys().next().value as string);
    return token;
  }

  /** Whether the token is a live session; using it keeps it alive. */
  touch(token: string | undefined): boolean {
    if (!token) return false;
    const last = this.byToken.get(token);
    if (last === undefined) return false;
    if (this.now() - last > this.idleMs) {
      this.byToken.delete(token);
      return false;
    }
    this.byToken.set(token, this.now());
    return true;
  }

  close(token: string | undefined): void {
    if (token) this.byToken.delete(token);
  }
}

/** The value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
