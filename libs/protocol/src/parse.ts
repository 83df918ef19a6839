import { z } from 'zod';
import { AgentToServer, ErrorCode, ServerToAgent } from './messages';

/** Frames larger than this are refused before parsing. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export type Parsed<T> = { ok: true; frame: T } | { ok: false; code: ErrorCode; message: string; issues?: string[] };

const MESSAGES: Record<Exclude<ErrorCode, 'internal'>, string> = {
  bad_json: 'Gói tin không phải JSON hợp lệ.',
  unknown_type: 'Loại gói tin không được hỗ trợ.',
  invalid_frame: 'Gói tin có trường sai kiểu hoặc thiếu trường bắt buộc.',
  too_large: 'Gói tin quá lớn.',
};

function fail<T>(code: Exclude<ErrorCode, 'internal'>, issues?: string[]): Parsed<T> {
  return issues ? { ok: false, code, message: MESSAGES[code], issues } : { ok: false, code, message: MESSAGES[code] };
}

function parseWith<T>(schema: z.ZodType<T>, types: ReadonlySet<string>, raw: unknown): Parsed<T> {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (Buffer.isBuffer(raw)) text = raw.toString('utf8');
  else if (raw instanceof ArrayBuffer) text = Buffer.from(raw).toString('utf8');
  else if (Array.isArray(raw) && raw.every((b) => Buffer.isBuffer(b))) text = Buffer.concat(raw).toString('utf8');
  else return fail('bad_json');
  if (Buffer.byteLength(text, 'utf8') > MAX_FRAME_BYTES) return fail('too_large');

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('invalid_frame', ['frame must be an object']);
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !types.has(type)) return fail('unknown_type', [`type: ${JSON.stringify(type)}`]);

  const result = schema.safeParse(value);
  if (!result.success) {
    return fail(
      'invalid_frame',
      result.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`),
    );
  }
  return { ok: true, frame: result.data };
}

const agentTypes = new Set(AgentToServer.options.map((o) => o.shape.type.value));
const serverTypes = new Set(ServerToAgent.options.map((o) => o.shape.type.value));

/** Validates one frame an agent sent. Never throws. */
export function parseAgentFrame(raw: unknown): Parsed<AgentToServer> {
  return parseWith(AgentToServer, agentTypes, raw);
}

/** Validates one frame the server sent. Never throws. */
export function parseServerFrame(raw: unknown): Parsed<ServerToAgent> {
  return parseWith(ServerToAgent, serverTypes, raw);
}
