import {
  ALERT_KIND_LABELS,
  AIR_VERDICT_LABELS,
  REASON_LABELS,
  reasonSentence,
  RESULT_LABELS,
  SOURCE_LABELS,
  type AlertKind,
  type AirVerdict,
  type FailureReason,
  type LogbookLineView,
  type LogbookResult,
  type LogbookSource,
  type ServerMissReason,
} from '@loa/api-types';
import { lang, t } from './i18n';

/**
 * The console's words for the server's values. Each map names every value of the server's own union, so a
 * value the server adds is a compile error here; a value that reaches the page anyway (an older console
 * against a newer server) shows as itself instead of breaking the screen.
 */
const RESULT_EN: Record<LogbookResult, string> = {
  complete: 'Played in full',
  partial: 'Played in part',
  failed: 'Failed',
  interrupted: 'Cut off by an emergency',
  missed: 'Not played',
};

const SOURCE_EN: Record<LogbookSource, string> = {
  relay: 'Relayed from the upper station',
  local: 'Commune programme',
  live: 'Live broadcast',
  emergency: 'Emergency',
};

const REASON_EN: Record<FailureReason | ServerMissReason, string> = {
  missed: 'Station not running (power cut, switched off) or without the schedule at air time',
  media_missing: 'Audio file missing or damaged',
  player_error: 'Playback device error',
  interrupted: 'Station software stopped while playing',
  cancelled: 'Broadcast cancelled while playing',
  preempted: 'Cut off by an emergency announcement',
  station_offline: 'Station offline',
  schedule_not_received: 'Station had not received the schedule',
  media_not_cached: 'Station had not downloaded the audio',
  declined: 'Declined by the commune station',
  not_reported: 'Station did not report',
};

const AIR_VERDICT_EN: Record<AirVerdict, string> = {
  confirmed: 'Confirmed on air',
  not_confirmed: 'Not confirmed on air',
  no_capture: 'No capture device',
};

const AIR_VERDICT_TONE: Record<AirVerdict, 'ok' | 'warn' | 'bad'> = { confirmed: 'ok', not_confirmed: 'bad', no_capture: 'warn' };

/** How each result is coloured. */
const RESULT_TONE: Record<LogbookResult, 'ok' | 'warn' | 'bad'> = { complete: 'ok', partial: 'warn', interrupted: 'warn', failed: 'bad', missed: 'bad' };

function lookup<K extends string>(vi: Record<K, string>, en: Record<K, string>, value: string): string | undefined {
  const dict: Record<string, string> = lang.value === 'vi' ? vi : en;
  return Object.prototype.hasOwnProperty.call(dict, value) ? dict[value] : undefined;
}

/** A value the console has no word for, shown as itself so the line is still read. */
function unknown(value: string | null | undefined): string {
  return value ? t('unknownValue', { value }) : t('none');
}

export const RESULT_VALUES = Object.keys(RESULT_EN) as LogbookResult[];
export const SOURCE_VALUES = Object.keys(SOURCE_EN) as LogbookSource[];
export const AIR_VERDICT_VALUES = Object.keys(AIR_VERDICT_EN) as AirVerdict[];
export const REASON_VALUES = Object.keys(REASON_EN) as (FailureReason | ServerMissReason)[];

export function resultLabel(result: string | null | undefined): string {
  return (result && lookup(RESULT_LABELS, RESULT_EN, result)) || unknown(result);
}

export function resultTone(result: string | null | undefined): 'ok' | 'warn' | 'bad' {
  return result && Object.prototype.hasOwnProperty.call(RESULT_TONE, result) ? RESULT_TONE[result as LogbookResult] : 'warn';
}

export function sourceLabel(source: string | null | undefined): string {
  return (source && lookup(SOURCE_LABELS, SOURCE_EN, source)) || unknown(source);
}

export function reasonLabel(reason: string | null | undefined): string {
  return (reason && lookup(REASON_LABELS, REASON_EN, reason)) || (reason ?? '');
}

/** The reason of a logbook line as one sentence, or '' when it has none. */
export function lineReason(line: Pick<LogbookLineView, 'reason' | 'detail'>): string {
  return reasonSentence(reasonLabel(line.reason), line.detail);
}

const ALERT_KIND_EN: Record<AlertKind, string> = {
  station_offline: 'Station offline',
  airing_missed: 'Not played',
  cache_not_ready: 'Audio not downloaded',
  clock_drift: 'Clock off',
  disk_low: 'Disk nearly full',
  device_failure: 'Sound device failed',
  relay_dropped: 'Relay dropped',
  not_confirmed: 'Not confirmed on air',
  dead_air: 'Dead air',
};

/** The kind of an alert in the chosen language; an unknown kind shows as itself. */
export function alertKindLabel(kind: AlertKind): string {
  const label = (lang.value === 'en' ? ALERT_KIND_EN : ALERT_KIND_LABELS)[kind] as string | undefined;
  return label ?? t('unknownValue', { value: kind });
}

/** Proof of air: what the station's capture said of the airing; '' on lines without a verdict. */
export function airVerdictLabel(verdict: string | null | undefined): string {
  if (!verdict) return '';
  return lookup(AIR_VERDICT_LABELS, AIR_VERDICT_EN, verdict) || unknown(verdict);
}

export function airVerdictTone(verdict: string | null | undefined): 'ok' | 'warn' | 'bad' {
  return verdict && Object.prototype.hasOwnProperty.call(AIR_VERDICT_TONE, verdict) ? AIR_VERDICT_TONE[verdict as AirVerdict] : 'warn';
}
