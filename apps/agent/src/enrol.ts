import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig } from './config';
import { hashPin, pinProblem } from './console/pin';

/** Where the systemd unit reads the agent's configuration from. */
export const DEFAULT_CONFIG_PATH = '/etc/loa/agent.json';

export class EnrolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnrolError';
  }
}

export interface EnrolArgs {
  server: string;
  code: string;
  configPath: string;
  allowHttp: boolean;
  /** Run as root for a service user: the written file is given to this account. */
  owner?: string;
  /** The local console's PIN, stored hashed. */
  pin?: string;
}

const USAGE = 'Cách dùng: loa-agent enrol --server https://MÁY-CHỦ MÃ-ĐĂNG-KÝ [--pin MÃ-PIN] [--config /etc/loa/agent.json] [--owner loa] [--allow-http]';

/** `enrol --server URL CODE [--config path] [--owner user] [--allow-http]`, the words after `enrol`. */
export function parseEnrolArgs(argv: readonly string[]): EnrolArgs {
  let server: string | undefined;
  let configPath = DEFAULT_CONFIG_PATH;
  let owner: string | undefined;
  let allowHttp = false;
  let pin: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new EnrolError(`${flag}: thiếu giá trị.\n${USAGE}`);
      return v;
    };
    if (flag === '--server') server = value();
    else if (flag === '--config') configPath = value();
    else if (flag === '--owner') owner = value();
    else if (flag === '--allow-http') allowHttp = true;
    else if (flag === '--pin') {
      pin = value();
      const problem = pinProblem(pin);
      if (problem) throw new EnrolError(`--pin: ${problem}`);
    }
    else if (flag.startsWith('--')) throw new EnrolError(`Không hiểu tuỳ chọn ${flag}.\n${USAGE}`);
    else positional.push(arg);
  }
  if (!server) throw new EnrolError(`Thiếu địa chỉ máy chủ (--server).\n${USAGE}`);
  if (positional.length !== 1) throw new EnrolError(`Cần đúng một mã đăng ký.\n${USAGE}`);
  return { server, code: positional[0], configPath: resolve(configPath), allowHttp, owner, ...(pin ? { pin } : {}) };
}

/** The server's base URL, checked: https, or http only to this machine or when explicitly allowed. */
export function checkServerUrl(server: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new EnrolError(`Địa chỉ máy chủ "${server}" không hợp lệ. Ví dụ: https://loa.example.gov.vn`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EnrolError(`Địa chỉ máy chủ phải bắt đầu bằng https:// (hoặc http://).`);
  if (url.protocol === 'http:' && !allowHttp && !isLoopback(url.hostname)) {
    throw new EnrolError(
      `Từ chối gửi mã qua http:// không mã hoá tới ${url.host}: mã trạm có thể bị nghe lén. ` +
        `Hãy dùng https://, hoặc thêm --allow-http nếu máy chủ nằm trong mạng nội bộ tin cậy.`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const Answer = z.object({
  station: z.object({ id: z.string(), name: z.string(), code: z.string() }),
  token: z.string().min(8),
});
const Refusal = z.object({ code: z.string(), message: z.string() });

export interface EnrolResult {
  serverUrl: string;
  configPath: string;
  station: { id: string; name: string; code: string };
}

/**
 * Exchanges the code for the station's token and writes the agent's config file (mode 0600), keeping any
 * settings already in it. The token never appears on the screen.
 */
export async function enrol(args: EnrolArgs, fetchImpl: typeof fetch = fetch): Promise<EnrolResult> {
  const serverUrl = checkServerUrl(args.server, args.allowHttp);
  const existing = readExisting(args.configPath);
  const ownerIds = args.owner ? lookupUser(args.owner) : undefined;

  let res: Response;
  try {
    res = await fetchImpl(`${serverUrl}/api/agent/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: args.code }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new EnrolError(`Không kết nối được máy chủ ${serverUrl}: ${(e as Error).message}. Kiểm tra địa chỉ và mạng rồi thử lại.`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const refusal = Refusal.safeParse(body);
    throw new EnrolError(
      refusal.success ? `Máy chủ từ chối: ${refusal.data.message} (${refusal.data.code})` : `Máy chủ trả lời lỗi HTTP ${res.status}; có thể địa chỉ không phải máy chủ Loa.`,
    );
  }
  const answer = Answer.safeParse(body);
  if (!answer.success) throw new EnrolError(`Máy chủ trả lời không đúng dạng mong đợi; có thể địa chỉ không phải máy chủ Loa.`);

  const config = { ...existing, serverUrl, stationToken: answer.data.token, ...(args.pin ? { consolePinHash: await hashPin(args.pin) } : {}) };
  // The whole file is validated the way the agent will read it, before anything is written.
  loadConfig({ env: {}, file: args.configPath, readFile: () => JSON.stringify(config) });
  writeSecretFile(args.configPath, `${JSON.stringify(config, null, 2)}\n`, ownerIds);
  return { serverUrl, configPath: args.configPath, station: answer.data.station };
}

export function readExisting(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new EnrolError(`Không đọc được tệp cấu hình ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new EnrolError(`Tệp cấu hình ${path} đã có nhưng không phải JSON hợp lệ; hãy sửa hoặc xoá nó rồi chạy lại.`);
}

/** Written beside the target and renamed over it, so a crash never leaves half a file or a readable token. */
export function writeSecretFile(path: string, text: string, owner?: { uid: number; gid: number }): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    if (owner) chownSync(tmp, owner.uid, owner.gid);
    renameSync(tmp, path);
  } catch (e) {
    throw new EnrolError(`Không ghi được tệp cấu hình ${path}: ${(e as Error).message}. Có cần chạy bằng sudo không?`);
  }
}

export function lookupUser(name: string): { uid: number; gid: number } {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // reported below
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new EnrolError(`Không có tài khoản "${name}" trên máy này (--owner).`);
}
