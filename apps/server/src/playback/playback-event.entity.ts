import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventKind, FailureReason, PlaybackEvent } from '@loa/protocol';
import { InstantColumn } from '../common/columns';
import { AirProofColumns } from './air-proof-columns';
import type { LogbookResult } from '../logbook/logbook-line.entity';
import { RECORDED_BY_SYSTEM } from '../logbook/logbook-rules';
import type { LineDraft } from '../logbook/logbook-writer';
import type { Station } from '../stations/station.entity';

/** A playback event exactly as an agent reported it; its id is the agent's, so a resend is a no-op. */
@Entity('playback_event')
@Index(['stationId', 'occurrenceId'])
export class PlaybackEventRow extends AirProofColumns {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar' })
  stationId!: string;

  @Column({ type: 'varchar', length: 200 })
  occurrenceId!: string;

  @Column({ type: 'varchar' })
  slotId!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: EventKind;

  @InstantColumn()
  plannedAt!: string;

  @InstantColumn({ nullable: true })
  startedAt!: string | null;

  @InstantColumn({ nullable: true })
  endedAt!: string | null;

  @Column({ type: 'real', nullable: true })
  startErrorMs!: number | null;

  @Column({ type: 'integer', nullable: true })
  playedMs!: number | null;

  @Column({ type: 'varchar', length: 30, nullable: true })
  reason!: FailureReason | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  detail!: string | null;

  @InstantColumn()
  receivedAt!: string;
}

/** The stored form of an agent's event, as received at `receivedAt`. */
export function eventRow(stationId: string, event: PlaybackEvent, receivedAt: string): PlaybackEventRow {
  return {
    id: event.id,
    stationId,
    occurrenceId: event.occurrenceId,
    slotId: event.slotId,
    kind: event.kind,
    plannedAt: event.plannedAt,
    startedAt: event.startedAt ?? null,
    endedAt: event.endedAt ?? null,
    startErrorMs: event.startErrorMs ?? null,
    playedMs: event.playedMs ?? null,
    reason: event.reason ?? null,
    detail: event.detail ?? null,
    receivedAt,
    airVerdict: event.air?.verdict ?? null,
    airConfirmedMs: event.air?.confirmedMs ?? null,
    airCoveragePct: event.air ? Math.round(event.air.coveragePct) : null,
    airOffsetMs: event.air?.offsetMs ?? null,
    deadAirMs: event.deadAirMs ?? null,
  };
}

/** What the airing itself was, as the logbook names it: the slot's programme, or the live relay. */
export type AiringOf = Pick<LineDraft, 'slotId' | 'programmeId' | 'programmeTitle' | 'chuyenMuc' | 'topic' | 'source' | 'priority' | 'plannedStart' | 'plannedDurationMs'>;

/**
 * The logbook line an agent's final event writes for its station. Every field is written out: the
 * writer reads drafts field by field, which is cheap only on objects built this way.
 */
/** What a logbook line needs of its station. */
export type AiringStation = Pick<Station, 'id' | 'name' | 'unitId'>;

export function lineDraft(station: AiringStation, event: PlaybackEvent, airing: AiringOf, result: LogbookResult, now: string): LineDraft {
  return {
    stationId: station.id,
    stationName: station.name,
    unitId: station.unitId,
    occurrenceId: event.occurrenceId,
    slotId: airing.slotId,
    programmeId: airing.programmeId,
    programmeTitle: airing.programmeTitle,
    chuyenMuc: airing.chuyenMuc,
    topic: airing.topic,
    speakerClusters: null,
    source: airing.source,
    priority: airing.priority,
    plannedStart: airing.plannedStart,
    actualStart: event.startedAt ?? null,
    endedAt: event.endedAt ?? null,
    durationMs: event.playedMs ?? null,
    plannedDurationMs: airing.plannedDurationMs,
    startErrorMs: event.startErrorMs ?? null,
    result,
    reason: event.reason ?? null,
    detail: event.detail ?? null,
    recordedBy: RECORDED_BY_SYSTEM,
    createdAt: now,
    airVerdict: event.air?.verdict ?? null,
    airConfirmedMs: event.air?.confirmedMs ?? null,
    airCoveragePct: event.air ? Math.round(event.air.coveragePct) : null,
    airOffsetMs: event.air?.offsetMs ?? null,
    deadAirMs: event.deadAirMs ?? null,
    language: event.language ?? null,
  };
}
