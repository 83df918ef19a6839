import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { LoaError } from '../common/errors';
import { parseInstant, readDateTime } from '@loa/protocol';

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';
/** A CAP alert is a few kilobytes; a storm bulletin with many areas stays well under this. */
export const MAX_CAP_BYTES = 256 * 1024;

export type CapStatus = 'Actual' | 'Exercise' | 'System' | 'Test' | 'Draft';
export type CapMsgType = 'Alert' | 'Update' | 'Cancel' | 'Ack' | 'Error';

export interface CapArea {
  areaDesc: string;
  geocodes: string[];
}

export interface CapInfo {
  language: string;
  event: string;
  urgency: string;
  severity: string;
  certainty: string;
  headline: string;
  description: string;
  instruction: string;
  /** When the info stops applying, as an instant in the one form. */
  expires: string | null;
  areas: CapArea[];
}

export interface CapAlertDoc {
  identifier: string;
  sender: string;
  sent: string;
  status: CapStatus;
  msgType: CapMsgType;
  scope: string;
  /** Earlier alerts this one updates or cancels, as (sender, identifier, sent). */
  references: { sender: string; identifier: string; sent: string }[];
  infos: CapInfo[];
}

const STATUSES: readonly CapStatus[] = ['Actual', 'Exercise', 'System', 'Test', 'Draft'];
const MSG_TYPES: readonly CapMsgType[] = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'];
const SCOPES = ['Public', 'Restricted', 'Private'];
/** CAP's dateTime (CAP 1.2 §3.3.2): a full timestamp with its seconds and a zone, in the server's one form; null if it is not one. */
function capInstant(text: string): string | null {
  return readDateTime(text)?.hasSeconds ? parseInstant(text) : null;
}

function notCap(message: string, details?: unknown): LoaError {
  return new LoaError('cap_invalid', message, details);
}

const text = (v: unknown): string => {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object' && '#text' in v) return text((v as Record<string, unknown>)['#text']);
  return '';
};
const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/**
 * Reads a CAP 1.2 alert, refusing anything else. A DOCTYPE is refused outright: CAP needs none, and
 * entity declarations are how an XML body blows up in memory.
 */
export function parseCap(xml: string): CapAlertDoc {
  if (Buffer.byteLength(xml) > MAX_CAP_BYTES) throw new LoaError('payload_too_large', 'Bản tin CAP quá lớn.', { limitBytes: MAX_CAP_BYTES });
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw notCap('Bản tin CAP không được chứa khai báo DOCTYPE hay ENTITY.');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw notCap('Nội dung gửi đến không phải XML hợp lệ.', { line: valid.err.line, reason: valid.err.msg });
  const options = {
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    processEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
  };
  // Read twice: with prefixes, to see which namespace the root element is in; without, for the content.
  const raw = new XMLParser(options).parse(xml) as Record<string, unknown>;
  const rootName = Object.keys(raw).find((k) => k === 'alert' || k.endsWith(':alert'));
  const root = rootName ? (raw[rootName] as Record<string, unknown> | string) : undefined;
  if (!rootName || !root || typeof root !== 'object') throw notCap('Đây không phải bản tin cảnh báo CAP (thiếu phần tử <alert>).');
  const prefix = rootName.includes(':') ? rootName.slice(0, rootName.indexOf(':')) : null;
  const ns = root[prefix ? `@xmlns:${prefix}` : '@xmlns'];
  if (ns !== CAP_NAMESPACE) {
    throw notCap('Bản tin không theo chuẩn CAP 1.2 (không có không gian tên urn:oasis:names:tc:emergency:cap:1.2).', { namespace: ns ?? null });
  }
  const alert = (new XMLParser({ ...options, removeNSPrefix: true }).parse(xml) as Record<string, Record<string, unknown>>)['alert'];
  const missing = ['identifier', 'sender', 'sent', 'status', 'msgType', 'scope'].filter((k) => !text(alert[k]));
  if (missing.length) throw notCap(`Bản tin CAP thiếu trường bắt buộc: ${missing.join(', ')}.`, { missing });
  const status = text(alert['status']) as CapStatus;
  const msgType = text(alert['msgType']) as CapMsgType;
  const scope = text(alert['scope']);
  const sent = text(alert['sent']);
  const bad: string[] = [];
  if (!STATUSES.includes(status)) bad.push('status');
  if (!MSG_TYPES.includes(msgType)) bad.push('msgType');
  if (!SCOPES.includes(scope)) bad.push('scope');
  if (capInstant(sent) === null) bad.push('sent');
  const identifier = text(alert['identifier']);
  const sender = text(alert['sender']);
  if (identifier.length > 300 || /[\s,<&]/.test(identifier)) bad.push('identifier');
  if (sender.length > 300 || /[\s,<&]/.test(sender)) bad.push('sender');
  const references = text(alert['references'])
    .split(/\s+/)
    .filter(Boolean)
    .map((r) => {
      const [s, i, t] = r.split(',');
      return { sender: s ?? '', identifier: i ?? '', sent: t ?? '' };
    });
  if (references.some((r) => !r.sender || !r.identifier || !r.sent)) bad.push('references');
  if ((msgType === 'Update' || msgType === 'Cancel') && !references.length) bad.push('references');
  const infos = list(alert['info']).map((raw) => {
    const info = (raw ?? {}) as Record<string, unknown>;
    const expiresText = text(info['expires']) || null;
    const expires = expiresText === null ? null : capInstant(expiresText);
    if (expiresText !== null && expires === null) bad.push('info.expires');
    return {
      language: text(info['language']) || 'en-US',
      event: text(info['event']),
      urgency: text(info['urgency']),
      severity: text(info['severity']),
      certainty: text(info['certainty']),
      headline: text(info['headline']),
      description: text(info['description']),
      instruction: text(info['instruction']),
      expires,
      areas: list(info['area']).map((a) => {
        const area = (a ?? {}) as Record<string, unknown>;
        return {
          areaDesc: text(area['areaDesc']),
          geocodes: list(area['geocode']).map((g) => text((g as Record<string, unknown> | null)?.['value'])).filter(Boolean),
        };
      }),
    } satisfies CapInfo;
  });
  if (bad.length) throw notCap(`Bản tin CAP có trường sai định dạng: ${[...new Set(bad)].join(', ')}.`, { invalid: [...new Set(bad)] });
  return { identifier, sender, sent, status, msgType, scope, references, infos };
}

/** What is read out: headline, description and instruction of the Vietnamese info block. */
export function spokenText(info: CapInfo): string {
  return [info.headline, info.description, info.instruction]
    .filter(Boolean)
    .map((s) => (/[.!?…]$/.test(s) ? s : `${s}.`))
    .join(' ');
}

/** Lower case, single spaces, diacritics kept: "Xã Cẩm Bình" and "xã  cẩm bình" are one place. */
export function normaliseName(s: string): string {
  return s.normalize('NFC').toLocaleLowerCase('vi').replace(/\s+/g, ' ').trim();
}
