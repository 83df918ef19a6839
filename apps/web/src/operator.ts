import type { AgendaAiring, AgendaClash, AiringRef } from '@loa/api-types';
import type { Priority } from '@loa/protocol';
import { lang } from './i18n';

/**
 * The commune operator's screen: its words (Vietnamese first, English by hand) and the small rules it
 * follows before asking the server, which decides anyway.
 */
const vi = {
  title: 'Trạm xã',
  intro: 'Lịch sắp phát trên trạm của xã: chương trình của cấp trên theo mức ưu tiên, chương trình của xã, và các quyết định của trạm theo Thông tư 39/2020/TT-BTTTT.',
  station: 'Trạm',
  noStation: 'Tài khoản chưa có trạm nào. Hãy liên hệ quản trị viên.',
  coming: 'Lịch sắp phát (7 ngày tới)',
  nothingComing: 'Chưa có buổi phát nào trong 7 ngày tới.',
  colTime: 'Giờ phát',
  colProgramme: 'Chương trình',
  colPriority: 'Mức ưu tiên',
  colFrom: 'Nguồn',
  colState: 'Tình trạng',
  fromUpper: 'Cấp trên',
  fromOwn: 'Của xã',
  priority_normal: 'Thông thường',
  priority_priority: 'Ưu tiên',
  priority_emergency: 'Khẩn cấp',
  willPlay: 'Sẽ phát',
  movedFrom: 'dời từ {time} theo thứ tự đã chọn',
  declinedBy: 'Không phát — {by}: {reason}',
  declinedNoReason: 'Không phát — {by}',
  mustPlay: 'Bắt buộc phát',
  decline: 'Không phát',
  declineTitle: 'Không phát "{title}" lúc {time}',
  reason: 'Lý do không phát',
  reasonPlaceholder: 'Ví dụ: trùng giờ họp dân, mất điện…',
  needReason: 'Hãy ghi lý do không phát (tối đa 500 ký tự).',
  confirmDecline: 'Xác nhận không phát',
  declined: 'Đã ghi: không phát "{title}". Nhật ký sẽ ghi buổi này là bị trạm xã từ chối, không phải phát sót.',
  clashes: 'Chương trình ưu tiên trùng giờ',
  clashesIntro: 'Hai chương trình ưu tiên trùng giờ trên trạm: chọn chương trình phát trước, chương trình còn lại chờ phát xong mới phát.',
  noClashes: 'Không có chương trình ưu tiên nào trùng giờ.',
  playFirst: 'Phát trước',
  playsFirst: 'Phát trước',
  playsSecond: 'Phát sau',
  byRules: 'Theo quy tắc (chưa chọn)',
  resetOrder: 'Bỏ thứ tự đã chọn',
  ordered: 'Đã chọn: "{first}" phát trước, "{second}" phát sau.',
  orderReset: 'Đã bỏ thứ tự đã chọn; hai chương trình phát theo quy tắc.',
  own: 'Chương trình của xã',
  ownIntro: 'Tạo chương trình từ tệp âm thanh, văn bản đọc tự động hoặc ghi âm, rồi xếp lịch phát trên trạm của xã.',
  mode: 'Cách tạo',
  modeUpload: 'Tải tệp âm thanh',
  modeTts: 'Đọc văn bản',
  modeMic: 'Ghi âm',
  text: 'Nội dung đọc',
  record: 'Bắt đầu ghi âm',
  stopRecord: 'Dừng ghi âm',
  recording: 'Đang ghi âm…',
  recorded: 'Đã ghi {seconds} giây.',
  micUnavailable: 'Trình duyệt không cho dùng micrô. Hãy cho phép micrô rồi thử lại.',
  programmeTitle: 'Tên chương trình',
  chuyenMuc: 'Chuyên mục',
  date: 'Ngày phát',
  time: 'Giờ phát (giờ Việt Nam)',
  needApproval: 'Gửi lãnh đạo duyệt trước khi phát',
  schedule: 'Tạo và xếp lịch',
  working: 'Đang xử lý… {pct}',
  needAudio: 'Hãy chọn tệp, nhập nội dung hoặc ghi âm trước.',
  needFields: 'Hãy nhập tên chương trình, chuyên mục, ngày và giờ phát.',
  conversionFailed: 'Không xử lý được âm thanh: {why}',
  scheduledApproved: 'Đã xếp lịch "{title}" lúc {time}: đã duyệt, sẽ phát.',
  scheduledSubmitted: 'Đã xếp lịch "{title}" lúc {time}: đang chờ duyệt.',
} as const;

export type OperatorKey = keyof typeof vi;

const en: Record<OperatorKey, string> = {
  title: 'Commune station',
  intro: "What is coming on the commune's station: the upper level's items by priority, the commune's own programmes, and the station's choices under Circular 39/2020/TT-BTTTT.",
  station: 'Station',
  noStation: 'This account has no station yet. Ask an administrator.',
  coming: 'Coming airings (next 7 days)',
  nothingComing: 'Nothing airs in the next 7 days.',
  colTime: 'Time',
  colProgramme: 'Programme',
  colPriority: 'Priority',
  colFrom: 'From',
  colState: 'State',
  fromUpper: 'Upper level',
  fromOwn: 'Commune',
  priority_normal: 'Normal',
  priority_priority: 'Priority',
  priority_emergency: 'Emergency',
  willPlay: 'Will air',
  movedFrom: 'moved from {time} by the chosen order',
  declinedBy: 'Not aired — {by}: {reason}',
  declinedNoReason: 'Not aired — {by}',
  mustPlay: 'Must air',
  decline: 'Do not air',
  declineTitle: 'Do not air "{title}" at {time}',
  reason: 'Reason',
  reasonPlaceholder: 'e.g. a village meeting at that time, power cut…',
  needReason: 'Give a reason (at most 500 characters).',
  confirmDecline: 'Confirm: do not air',
  declined: 'Recorded: "{title}" will not air. The logbook will show it declined by the commune, not missed.',
  clashes: 'Clashing priority items',
  clashesIntro: 'Two priority items overlap on the station: choose which airs first; the other waits until it ends.',
  noClashes: 'No priority items overlap.',
  playFirst: 'Air first',
  playsFirst: 'First',
  playsSecond: 'Second',
  byRules: 'By the rules (not chosen)',
  resetOrder: 'Drop the chosen order',
  ordered: 'Chosen: "{first}" first, "{second}" after it.',
  orderReset: 'Order dropped; the two items air by the rules.',
  own: "The commune's own programmes",
  ownIntro: 'Make a programme from an audio file, a text read out, or a recording, and schedule it on the commune station.',
  mode: 'Made from',
  modeUpload: 'Audio file',
  modeTts: 'Text read out',
  modeMic: 'Recording',
  text: 'Text',
  record: 'Start recording',
  stopRecord: 'Stop recording',
  recording: 'Recording…',
  recorded: 'Recorded {seconds} s.',
  micUnavailable: 'The browser gives no microphone. Allow it and try again.',
  programmeTitle: 'Title',
  chuyenMuc: 'Chuyên mục',
  date: 'Date',
  time: 'Time (Vietnam)',
  needApproval: 'Send to the approver before it airs',
  schedule: 'Make and schedule',
  working: 'Working… {pct}',
  needAudio: 'Choose a file, type a text or record first.',
  needFields: 'Give a title, chuyên mục, date and time.',
  conversionFailed: 'The audio could not be converted: {why}',
  scheduledApproved: 'Scheduled "{title}" at {time}: approved, it will air.',
  scheduledSubmitted: 'Scheduled "{title}" at {time}: waiting for approval.',
};

export function ot(key: OperatorKey, params: Record<string, string | number> = {}): string {
  const text = lang.value === 'en' ? en[key] : vi[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

export const PRIORITY_LABEL: Record<Priority, OperatorKey> = { normal: 'priority_normal', priority: 'priority_priority', emergency: 'priority_emergency' };

export const refKey = (r: AiringRef) => `${r.slotId}@${r.at}`;
export const airingRef = (a: AgendaAiring): AiringRef => ({ slotId: a.slotId, at: a.plannedAt });

/** TT39: the commune may decline a normal item not yet begun; priority and khẩn cấp items always air. */
export function canDecline(a: AgendaAiring, now: number): boolean {
  return a.priority === 'normal' && a.declined === null && a.startAt !== null && Date.parse(a.startAt) > now;
}

export const MAX_REASON = 500;

/** The request that declines one airing on one station, or the sentence saying what is missing. */
export function declineRequest(a: AgendaAiring, stationId: string, reason: string): { path: string; body: Record<string, string> } | { error: OperatorKey } {
  const why = reason.trim();
  if (!why || why.length > MAX_REASON) return { error: 'needReason' };
  return { path: `/api/slots/${a.slotId}/airings`, body: { action: 'cancel', occurrenceAt: a.plannedAt, stationId, reason: why } };
}

/** The request that puts `first` before `second` on the station. */
export function orderRequest(stationId: string, first: AiringRef, second: AiringRef): { path: string; body: Record<string, string> } {
  return { path: `/api/stations/${stationId}/airing-orders`, body: { firstSlotId: first.slotId, firstAt: first.at, secondSlotId: second.slotId, secondAt: second.at } };
}

/** Which side of a clash plays first by the station's choice: 'a', 'b', or null when the rules decide. */
export function firstOf(c: AgendaClash): 'a' | 'b' | null {
  if (!c.order) return null;
  return refKey(c.order.first) === refKey(c.a) ? 'a' : refKey(c.order.first) === refKey(c.b) ? 'b' : null;
}

/** The airing a clash names, from the agenda. */
export function airingOf(airings: readonly AgendaAiring[], r: AiringRef): AgendaAiring | undefined {
  return airings.find((a) => a.slotId === r.slotId && a.plannedAt === r.at);
}
