import { BlockList, isIP } from 'node:net';
import { LoaError } from '../common/errors';

/*
 * Where a live stream URL may point, and what of it may be shown. Pure: no network, no Nest.
 */

/** A stream URL split into what may be shown and what must not: the user name and password it carries. */
export interface StreamUrl {
  /** The address without credentials: what the API shows and the database keeps. */
  shown: string;
  /** `user:password` from the address, or null. Kept in memory for the relay's life only. */
  credentials: string | null;
}

/** Only a plain http(s) address is a stream URL; anything else (file:, concat:, pipes) is refused. */
export function parseStreamUrl(raw: string): StreamUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LoaError('validation_failed', 'Địa chỉ luồng phát không hợp lệ. Hãy nhập địa chỉ bắt đầu bằng http:// hoặc https://.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LoaError('validation_failed', 'Chỉ nhận luồng phát qua http:// hoặc https:// (Icecast, SHOUTcast).');
  }
  const credentials = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : null;
  url.username = '';
  url.password = '';
  return { shown: url.toString(), credentials };
}

/** The address as it may be shown: without user name and password. Tolerates anything stored earlier. */
export function withoutCredentials(raw: string | null): string | null {
  if (raw === null) return null;
  try {
    const url = new URL(raw);
    if (!url.username && !url.password) return raw;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return raw.replace(/\/\/[^/@]*@/, '//');
  }
}

/**
 * Addresses a stream URL may not reach: the server's own machine and networks that are not the internet
 * (private, shared, link-local — cloud metadata lives at 169.254.169.254 —, multicast, reserved,
 * documentation). IPv4 inside IPv6 (mapped, NAT64) is checked as the IPv4 it carries.
 */
const FORBIDDEN = (() => {
  const b = new BlockList();
  const v4: Array<[string, number]> = [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
    ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
    ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ];
  for (const [net, prefix] of v4) b.addSubnet(net, prefix, 'ipv4');
  const v6: Array<[string, number]> = [
    ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
  ];
  for (const [net, prefix] of v6) b.addSubnet(net, prefix, 'ipv6');
  return b;
})();

/** The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, 64:ff9b::/96), or null. */
function embeddedV4(address: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2], 16);
  const lo = parseInt(m[3], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4) return FORBIDDEN.check(v4, 'ipv4');
    return FORBIDDEN.check(address, 'ipv6');
  }
  return FORBIDDEN.check(address, 'ipv4');
}

/** LIVE_URL_ALLOW: host names, addresses and networks (CIDR) a stream URL may reach even though they are local. */
export class AllowList {
  private readonly hosts = new Set<string>();
  private readonly nets = new BlockList();

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const [net, prefix] = entry.split('/');
      const family = isIP(net);
      if (family && prefix !== undefined) this.nets.addSubnet(net, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
      else if (family) this.nets.addAddress(net, family === 4 ? 'ipv4' : 'ipv6');
      else this.hosts.add(entry);
    }
  }

  /** Checks a LIVE_URL_ALLOW value; the reason it is wrong, or null. */
  static problem(value: string): string | null {
    for (const raw of value.split(',')) {
      const entry = raw.trim();
      if (!entry) continue;
      const [net, prefix, extra] = entry.split('/');
      const family = isIP(net);
      if (prefix !== undefined) {
        const n = Number(prefix);
        if (!family || extra !== undefined || !Number.isInteger(n) || n < 0 || n > (family === 4 ? 32 : 128)) return `"${entry}" không phải mạng CIDR (ví dụ 192.168.1.0/24)`;
      } else if (!family && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)) {
        return `"${entry}" không phải tên máy, địa chỉ IP hay mạng CIDR`;
      }
    }
    return null;
  }

  allows(hostname: string, address: string): boolean {
    if (this.hosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, ''))) return true;
    const family = isIP(address);
    if (family === 0) return false;
    const v4 = family === 6 ? embeddedV4(address) : null;
    return v4 ? this.nets.check(v4, 'ipv4') : this.nets.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}
