import type { AgentHealth, OutputStatus } from '@loa/protocol';
import type { AlertKind, AlertSeverity, LogbookResult } from '@loa/api-types';
import { fromInstant } from '@loa/protocol';

/**
 * The alert rules: each a small pure function from what the server knows now (the facts) to the
 * conditions that hold. The evaluator turns conditions into alerts: a condition must hold for its kind's
 * debounce before anyone is told, is told once, and is told "resolved" when it no longer holds.
 */

/** What the server knows of one station. Times are epoch ms. */
export interface StationFacts {
  stationId: string;
  stationName: string;
  unitId: string;
  /** Its agent holds a connection now. */
  connected: boolean;
  /** Its last contact; null when it never connected. */
  lastSeenAt: number | null;
  /** The box's own last report; null from agents that never sent one. */
  health: AgentHealth | null;
  output: OutputStatus | null;
  /** Dead air its capture reports now (silence or a flat sound while something is on air); null when none. */
  deadAir: { since: number; occurrenceId: string; live: boolean } | null;
}

/** One approved airing of a station around now, with its logbook line when it has one. */
export interface AiringFacts {
  stationId: string;
  occurrenceId: string;
  title: string;
  startAt: number;
  durationMs: number;
  /** The latest revision of its logbook line. */
  line: { result: LogbookResult; reason: string | null; detail: string | null; createdAt: number; airVerdict: string | null } | null;
}

/** A station's part in a live relay on air now. */
export interface RelayCarriage {
  relayId: string;
  title: string;
  stationId: string;
  /** It played this relay at some point of the current round. */
  carried: boolean;
  /** It plays it now, by a fresh report. */
  carrying: boolean;
}

export interface AlertFacts {
  now: number;
  stations: readonly StationFacts[];
  /** Airings that started within the look-back or start within the cache lead, by start. */
  airings: readonly AiringFacts[];
  relays: readonly RelayCarriage[];
}

export interface AlertSettings {
  /** How long each kind must hold before it is raised. */
  debounceMs: Record<AlertKind, number>;
  /** Files for an airing must be cached this long before it. */
  cacheLeadMs: number;
  /** The box's clock may be off the server's by this much. */
  clockDriftMs: number;
  /** Below this much free space on the box's cache disk. */
  diskMinBytes: number;
  /** How far back a missed airing is still an open matter; older ones close without a message. */
  missLookbackMs: number;
}

export const DEFAULT_DEBOUNCE_MS: Record<AlertKind, number> = {
  station_offline: 2 * 60_000,
  // A miss is written by the server only after the airing's end plus its grace: already certain.
  airing_missed: 0,
  cache_not_ready: 5 * 60_000,
  clock_drift: 5 * 60_000,
  disk_low: 5 * 60_000,
  device_failure: 2 * 60_000,
  relay_dropped: 60_000,
  not_confirmed: 0,
  dead_air: 0,
};

export const DEFAULT_SETTINGS: AlertSettings = {
  debounceMs: DEFAULT_DEBOUNCE_MS,
  cacheLeadMs: 2 * 3600_000,
  clockDriftMs: 500,
  diskMinBytes: 500 * 1024 * 1024,
  missLookbackMs: 24 * 3600_000,
};

/** One condition that holds now. */
export interface Condition {
  /** Names the condition: the same key across evaluations is the same alert. */
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  stationId: string;
  unitId: string;
  /** When it began, where the facts say so; otherwise the evaluator counts from when it first saw it. */
  since: number | null;
  title: string;
  detail: string;
}

export interface AlertRule {
  kind: AlertKind;
  evaluate(facts: AlertFacts, settings: AlertSettings): Condition[];
  /**
   * For conditions about one past event (an airing): whether the rule still judges this key. An open
   * alert the rule no longer judges is closed without a message, since nothing was set right.
   */
  judges?(key: string, facts: AlertFacts, settings: AlertSettings): boolean;
}

const time = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', hour12: false });
/** "05:30 05/12" in Vietnam time. */
export function viTime(ms: number): string {
  const parts = Object.fromEntries(time.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}`;
}

const mb = (bytes: number) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 }).format(bytes / (1024 * 1024));

function byStation(facts: AlertFacts): Map<string, StationFacts> {
  return new Map(facts.stations.map((s) => [s.stationId, s]));
}

/**
 * A station without its agent when one of its airings began. Counted from the later of the two (the box
 * went away, the airing began), so a box that dies at the slot's start and one that died an hour before
 * both wait the same debounce; it clears when the agent is back.
 */
export const stationOfflineRule: AlertRule = {
  kind: 'station_offline',
  evaluate(facts) {
    const out: Condition[] = [];
    const stations = byStation(facts);
    const first = new Map<string, AiringFacts>();
    for (const a of facts.airings) {
      const s = stations.get(a.stationId);
      if (!s || s.connected || a.startAt > facts.now) continue;
      const goneAt = s.lastSeenAt ?? Number.NEGATIVE_INFINITY;
      if (a.startAt < goneAt) continue;
      const known = first.get(a.stationId);
      if (!known || a.startAt < known.startAt) first.set(a.stationId, a);
    }
    for (const [stationId, a] of first) {
      const s = stations.get(stationId)!;
      out.push({
        key: `station_offline:${stationId}`,
        kind: 'station_offline',
        severity: 'critical',
        stationId,
        unitId: s.unitId,
        since: Math.max(a.startAt, s.lastSeenAt ?? a.startAt),
        title: `Trạm ${s.stationName} mất kết nối khi đến giờ phát`,
        detail:
          `Đến giờ phát "${a.title}" (${viTime(a.startAt)}) nhưng phần mềm trạm không kết nối với máy chủ` +
          (s.lastSeenAt === null ? '; trạm chưa từng kết nối.' : `; lần cuối liên lạc lúc ${viTime(s.lastSeenAt)}.`),
      });
    }
    return out;
  },
};

const MISSED: readonly LogbookResult[] = ['missed', 'failed'];

/** An airing whose logbook line says it did not go out (by the agent's word or the server's); a declined one is a choice, not a fault. */
export const airingMissedRule: AlertRule = {
  kind: 'airing_missed',
  evaluate(facts, settings) {
    const stations = byStation(facts);
    const out: Condition[] = [];
    for (const a of facts.airings) {
      const s = stations.get(a.stationId);
      if (!s || !a.line || !MISSED.includes(a.line.result) || a.line.reason === 'declined') continue;
      if (a.startAt < facts.now - settings.missLookbackMs) continue;
      out.push({
        key: `airing_missed:${a.stationId}:${a.occurrenceId}`,
        kind: 'airing_missed',
        severity: 'critical',
        stationId: a.stationId,
        unitId: s.unitId,
        since: a.line.createdAt,
        title: `Trạm ${s.stationName} không phát "${a.title}" lúc ${viTime(a.startAt)}`,
        detail: a.line.detail ?? 'Nhật ký ghi buổi phát này là không phát.',
      });
    }
    return out;
  },
  judges(key, facts, settings) {
    const [, stationId, occurrenceId] = key.split(':');
    return facts.airings.some((a) => a.stationId === stationId && a.occurrenceId === occurrenceId && a.startAt >= facts.now - settings.missLookbackMs);
  },
};

/**
 * A connected station still lacking a file for an airing that starts within the cache lead, for longer than
 * the debounce (a slot booked at short notice leaves the box a few minutes to fetch it). A box offline is
 * the offline rule's matter.
 */
export const cacheNotReadyRule: AlertRule = {
  kind: 'cache_not_ready',
  evaluate(facts, settings) {
    const out: Condition[] = [];
    for (const s of facts.stations) {
      if (!s.connected || !s.health) continue;
      const soon = s.health.missing.filter((m) => {
        const at = fromInstant(m.neededAt);
        return at <= facts.now + settings.cacheLeadMs && at > facts.now - 60_000;
      });
      if (!soon.length) continue;
      const first = fromInstant(soon[0].neededAt);
      out.push({
        key: `cache_not_ready:${s.stationId}`,
        kind: 'cache_not_ready',
        severity: 'warning',
        stationId: s.stationId,
        unitId: s.unitId,
        since: null,
        title: `Trạm ${s.stationName} chưa tải đủ tệp cho buổi phát sắp tới`,
        detail: `Còn thiếu ${soon.length} tệp, sớm nhất cho "${soon[0].title}" lúc ${viTime(first)}: ${soon.map((m) => m.title).join('; ')}`.slice(0, 1000),
      });
    }
    return out;
  },
};

/** The box's clock off the server's by more than allowed. */
export const clockDriftRule: AlertRule = {
  kind: 'clock_drift',
  evaluate(facts, settings) {
    const out: Condition[] = [];
    for (const s of facts.stations) {
      const offset = s.connected ? s.health?.clockOffsetMs : null;
      if (offset === null || offset === undefined || Math.abs(offset) <= settings.clockDriftMs) continue;
      out.push({
        key: `clock_drift:${s.stationId}`,
        kind: 'clock_drift',
        severity: 'warning',
        stationId: s.stationId,
        unitId: s.unitId,
        since: null,
        title: `Đồng hồ của trạm ${s.stationName} lệch ${new Intl.NumberFormat('vi-VN').format(Math.abs(offset))} ms so với máy chủ`,
        detail: `Đồng hồ máy trạm ${offset > 0 ? 'chậm' : 'nhanh'} hơn máy chủ quá ${settings.clockDriftMs} ms. Lịch vẫn phát theo giờ máy chủ, nhưng nhật ký và tệp trên máy trạm ghi sai giờ; hãy bật đồng bộ giờ (NTP) trên máy trạm.`,
      });
    }
    return out;
  },
};

/** Little space left where the box keeps its programmes. */
export const diskLowRule: AlertRule = {
  kind: 'disk_low',
  evaluate(facts, settings) {
    const out: Condition[] = [];
    for (const s of facts.stations) {
      const free = s.connected ? s.health?.diskFreeBytes : null;
      if (free === null || free === undefined || free >= settings.diskMinBytes) continue;
      out.push({
        key: `disk_low:${s.stationId}`,
        kind: 'disk_low',
        severity: 'warning',
        stationId: s.stationId,
        unitId: s.unitId,
        since: null,
        title: `Ổ đĩa của trạm ${s.stationName} sắp đầy`,
        detail: `Còn trống ${mb(free)} MB, dưới mức ${mb(settings.diskMinBytes)} MB: trạm có thể không tải được chương trình mới.`,
      });
    }
    return out;
  },
};

/** The sound output failed its last probe or playback. */
export const deviceFailureRule: AlertRule = {
  kind: 'device_failure',
  evaluate(facts) {
    const out: Condition[] = [];
    for (const s of facts.stations) {
      if (!s.connected || !s.output || s.output.ok) continue;
      out.push({
        key: `device_failure:${s.stationId}`,
        kind: 'device_failure',
        severity: 'critical',
        stationId: s.stationId,
        unitId: s.unitId,
        since: fromInstant(s.output.checkedAt),
        title: `Thiết bị âm thanh của trạm ${s.stationName} không hoạt động`,
        detail: (s.output.error ?? `Không mở được thiết bị "${s.output.device}".`).slice(0, 1000),
      });
    }
    return out;
  },
};

/** A station that carried a live relay and no longer does while it is still on air. */
export const relayDroppedRule: AlertRule = {
  kind: 'relay_dropped',
  evaluate(facts) {
    const stations = byStation(facts);
    const out: Condition[] = [];
    for (const r of facts.relays) {
      const s = stations.get(r.stationId);
      if (!s || !r.carried || r.carrying) continue;
      out.push({
        key: `relay_dropped:${r.relayId}:${r.stationId}`,
        kind: 'relay_dropped',
        severity: 'critical',
        stationId: r.stationId,
        unitId: s.unitId,
        since: null,
        title: `Trạm ${s.stationName} ngừng tiếp sóng "${r.title}"`,
        detail: s.connected ? 'Trạm vẫn kết nối nhưng không còn phát buổi phát trực tiếp này.' : 'Trạm mất kết nối trong khi đang tiếp sóng trực tiếp.',
      });
    }
    return out;
  },
};

/** Every rule the evaluator runs; a new one (proof of air, dead air) is one more entry. */
const AIRED: readonly LogbookResult[] = ['complete', 'partial', 'interrupted'];

/**
 * An airing the station says it played but its own capture of the air did not hear: a cut cable, a muted
 * mixer or a dead amplifier. Without a capture device nothing is claimed either way.
 */
export const notConfirmedRule: AlertRule = {
  kind: 'not_confirmed',
  evaluate(facts, settings) {
    const stations = byStation(facts);
    const out: Condition[] = [];
    for (const a of facts.airings) {
      const s = stations.get(a.stationId);
      if (!s || !a.line || !AIRED.includes(a.line.result) || a.line.airVerdict !== 'not_confirmed') continue;
      if (a.startAt < facts.now - settings.missLookbackMs) continue;
      out.push({
        key: `not_confirmed:${a.stationId}:${a.occurrenceId}`,
        kind: 'not_confirmed',
        severity: 'critical',
        stationId: a.stationId,
        unitId: s.unitId,
        since: a.line.createdAt,
        title: `Trạm ${s.stationName} không xác nhận được "${a.title}" lúc ${viTime(a.startAt)} trên sóng`,
        detail: 'Máy trạm đã phát chương trình nhưng thiết bị thu không nghe thấy nó trên sóng: hãy kiểm tra dây loa, bộ trộn âm và máy tăng âm.',
      });
    }
    return out;
  },
  judges(key, facts, settings) {
    const [, stationId, occurrenceId] = key.split(':');
    return facts.airings.some((a) => a.stationId === stationId && a.occurrenceId === occurrenceId && a.startAt >= facts.now - settings.missLookbackMs);
  },
};

/** Dead air on a connected station while a programme or a live relay is on air; it clears when sound returns. */
export const deadAirRule: AlertRule = {
  kind: 'dead_air',
  evaluate(facts) {
    const out: Condition[] = [];
    for (const s of facts.stations) {
      if (!s.connected || !s.deadAir) continue;
      const what = facts.airings.find((a) => a.stationId === s.stationId && a.occurrenceId === s.deadAir!.occurrenceId);
      out.push({
        key: `dead_air:${s.stationId}`,
        kind: 'dead_air',
        severity: 'critical',
        stationId: s.stationId,
        unitId: s.unitId,
        since: s.deadAir.since,
        title: `Trạm ${s.stationName} lặng sóng từ ${viTime(s.deadAir.since)}`,
        detail: `Thiết bị thu của trạm không nghe thấy âm thanh trong khi đang phát ${s.deadAir.live ? 'tiếp sóng trực tiếp' : what ? `"${what.title}"` : 'chương trình'}.`,
      });
    }
    return out;
  },
};

export const RULES: readonly AlertRule[] = [
  stationOfflineRule,
  airingMissedRule,
  cacheNotReadyRule,
  clockDriftRule,
  diskLowRule,
  deviceFailureRule,
  relayDroppedRule,
  notConfirmedRule,
  deadAirRule,
];

/** An alert the store holds that is not closed. */
export interface KnownAlert {
  id: string;
  key: string;
  kind: AlertKind;
  state: 'pending' | 'open';
  since: number;
}

export type AlertStep =
  | { do: 'wait'; condition: Condition; since: number }
  | { do: 'fire'; condition: Condition; since: number; existingId: string | null }
  | { do: 'drop'; id: string }
  | { do: 'resolve'; id: string }
  | { do: 'close'; id: string };

/**
 * What to do with the alerts given the conditions that hold now: new ones wait (or fire at once when
 * their debounce has already passed), waiting ones fire once their debounce is over, waiting ones whose
 * condition went away are dropped unseen (a reconnect blip), open ones whose condition went away are
 * resolved, and open ones their rule no longer judges are closed quietly.
 */
export function planAlerts(
  known: readonly KnownAlert[],
  conditions: readonly Condition[],
  facts: AlertFacts,
  settings: AlertSettings,
  rules: readonly AlertRule[] = RULES,
): AlertStep[] {
  const now = facts.now;
  const steps: AlertStep[] = [];
  const byKey = new Map(known.map((k) => [k.key, k]));
  const holding = new Set<string>();
  for (const c of conditions) {
    if (holding.has(c.key)) continue;
    holding.add(c.key);
    const k = byKey.get(c.key);
    if (k?.state === 'open') continue;
    const since = k ? Math.min(k.since, c.since ?? k.since) : (c.since ?? now);
    if (now - since >= settings.debounceMs[c.kind]) steps.push({ do: 'fire', condition: c, since, existingId: k?.id ?? null });
    else if (!k) steps.push({ do: 'wait', condition: c, since });
  }
  const ruleOf = new Map(rules.map((r) => [r.kind, r]));
  for (const k of known) {
    if (holding.has(k.key)) continue;
    if (k.state === 'pending') {
      steps.push({ do: 'drop', id: k.id });
      continue;
    }
    const rule = ruleOf.get(k.kind);
    if (rule?.judges && !rule.judges(k.key, facts, settings)) steps.push({ do: 'close', id: k.id });
    else steps.push({ do: 'resolve', id: k.id });
  }
  return steps;
}
