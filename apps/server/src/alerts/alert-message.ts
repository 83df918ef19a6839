import { createHmac } from 'node:crypto';
import { ALERT_KIND_LABELS, type AlertView } from '@loa/api-types';
import { viTime } from './alert-rules';
import { fromInstant } from '@loa/protocol';


export type AlertEvent = 'fired' | 'resolved';

/** What a webhook receives, as JSON; `X-Loa-Signature` signs these exact bytes. */
export interface WebhookPayload {
  /** The delivery's id: a receiver that sees it twice (a retry after a lost answer) can ignore the second. */
  id: string;
  event: `alert.${AlertEvent}`;
  sentAt: string;
  alert: AlertView;
}

/** `sha256=` and the hex HMAC-SHA256 of the body under the subscription's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The Vietnamese e-mail for one alert raised or cleared. */
export function alertMail(alert: AlertView, event: AlertEvent): { subject: string; text: string } {
  const label = ALERT_KIND_LABELS[alert.kind] ?? alert.kind;
  const subject = event === 'fired' ? `[Loa] Cảnh báo: ${alert.title}` : `[Loa] Đã khắc phục: ${alert.title}`;
  const lines = [
    event === 'fired' ? 'Hệ thống Loa phát hiện sự cố:' : 'Sự cố sau đã được khắc phục:',
    '',
    `Loại: ${label}${alert.severity === 'critical' ? ' (nghiêm trọng)' : ''}`,
    ...(alert.stationName ? [`Trạm: ${alert.stationName}`] : []),
    `Nội dung: ${alert.title}`,
    `Chi tiết: ${alert.detail}`,
    `Bắt đầu từ: ${viTime(fromInstant(alert.since))}`,
    `Báo lúc: ${viTime(fromInstant(alert.firedAt))}`,
    ...(event === 'resolved' && alert.resolvedAt ? [`Khắc phục lúc: ${viTime(fromInstant(alert.resolvedAt))}`] : []),
    '',
    'Thư này do hệ thống Loa gửi tự động (giờ Việt Nam). Xem các cảnh báo đang mở trong trang quản trị, biểu tượng chuông.',
  ];
  return { subject, text: lines.join('\n') };
}
