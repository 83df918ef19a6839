import type { AgentHealth, OutputStatus } from '@loa/protocol';

/**
 * What a station alert is about. `not_confirmed` and `dead_air` are named for the rules that read the
 * agent's proof-of-air reports.
 */
export const ALERT_KINDS = [
  'station_offline',
  'airing_missed',
  'cache_not_ready',
  'clock_drift',
  'disk_low',
  'device_failure',
  'relay_dropped',
  'not_confirmed',
  'dead_air',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Vietnamese names of the alert kinds, for mail, webhooks and the console. */
export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  station_offline: 'Trạm mất kết nối',
  airing_missed: 'Không phát',
  cache_not_ready: 'Chưa tải đủ tệp',
  clock_drift: 'Lệch đồng hồ',
  disk_low: 'Ổ đĩa sắp đầy',
  device_failure: 'Hỏng thiết bị âm thanh',
  relay_dropped: 'Ngừng tiếp sóng',
  not_confirmed: 'Không xác nhận phát sóng',
  dead_air: 'Mất tiếng',
};

export const ALERT_SEVERITIES = ['critical', 'warning'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** pending: seen, waiting out its debounce (never shown, never sent); open: fired; resolved: cleared after firing. */
export const ALERT_STATES = ['open', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface AlertView {
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  stationId: string | null;
  stationName: string | null;
  unitId: string | null;
  /** One Vietnamese sentence. */
  title: string;
  detail: string;
  /** When the condition began, when it was raised (after its debounce), and when it cleared. */
  since: string;
  firedAt: string;
  resolvedAt: string | null;
}

export const ALERT_CHANNELS = ['webhook', 'email'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

export interface AlertSubscriptionView {
  id: string;
  channel: AlertChannel;
  /** The webhook's URL or the e-mail address. */
  target: string;
  /** Alerts of stations under this unit; null: every station. */
  unitId: string | null;
  /** Only these kinds; null: every kind. */
  kinds: AlertKind[] | null;
  createdAt: string;
}

/** The one answer that carries a webhook's signing secret; it is never shown again. */
export interface CreatedAlertSubscription {
  subscription: AlertSubscriptionView;
  secret: string | null;
}

/** A station's health, as the server knows it. */
export interface StationHealthView {
  stationId: string;
  stationName: string;
  connected: boolean;
  lastSeenAt: string | null;
  agentVersion: string | null;
  /** Older than the server's release; null when the version is unknown or unreadable. */
  agentOutdated: boolean | null;
  /** The output device as last probed (absent for players without one). */
  output: OutputStatus | null;
  /** Everything the box last reported about itself, and whether its clock is off by more than allowed. */
  health: AgentHealth | null;
  clockDriftLimitMs: number;
  clockDrift: boolean;
  /** Every file the look-ahead (normally 48 h) of airings needs is on the box; `health.missing` lists those that are not. */
  cacheReady: boolean;
  /** Open alerts of the station. */
  alerts: AlertView[];
}
