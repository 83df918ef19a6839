import { Injectable } from '@nestjs/common';
import type { LiveKind } from '@loa/protocol';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { isReady, MediaService, type ReadyMediaAsset } from '../media/media.service';
import { TtsService } from '../media/tts/tts.service';
import type { Programme } from '../programmes/programme.entity';
import { resolveTargets } from '../schedule/targets';
import type { EncoderInput } from './live-encoder';
import { LiveRelayRepository } from './live-relay.repository';
import { LiveSourceFetcher } from './live-source';
import { MIC_INPUT, type StartLive } from './live-state';
import { parseStreamUrl, type StreamUrl } from './stream-address';

/** How long a spoken text may take to be synthesised and normalised before the start is refused. */
const SPEECH_READY_MS = 60_000;

/** A relay's source, checked and opened. */
export interface ResolvedSource {
  source: EncoderInput;
  programmeId: string | null;
  /** A stream URL as shown and stored: without its password. */
  url: string | null;
  /** For a stream URL: opens it again for a later round. */
  reopen: (() => Promise<EncoderInput>) | null;
  /** A stream URL's password, kept in memory only. */
  credentials: string | null;
}

/**
 * What a relay airs and where: the stations it reaches (as the schedule resolves a slot's targets, within
 * the caller's unit) and its source (a stored programme, a stream URL, a microphone, or a text read out).
 */
@Injectable()
export class LiveInputs {
  constructor(
    private readonly relays: LiveRelayRepository,
    private readonly access: AccessPolicy,
    private readonly media: MediaService,
    private readonly sources: LiveSourceFetcher,
    private readonly tts: TtsService,
    private readonly clock: Clock,
  ) {}

  /** The stations named, and every station under the units named, as the schedule resolves a slot's targets. */
  async targets(input: StartLive, who: Principal): Promise<string[]> {
    const { stations, units } = await this.relays.tree();
    const missing = (input.stationIds ?? []).filter((id) => !stations.some((s) => s.id === id));
    if (missing.length) throw new LoaError('not_found', 'Có trạm không tồn tại trong danh sách đã chọn.', { missing });
    const missingUnits = (input.unitIds ?? []).filter((id) => !units.some((u) => u.id === id));
    if (missingUnits.length) throw new LoaError('not_found', 'Không tìm thấy đơn vị này.', { missing: missingUnits });
    const refs = [...(input.stationIds ?? []).map((refId) => ({ kind: 'station' as const, refId })), ...(input.unitIds ?? []).map((refId) => ({ kind: 'unit' as const, refId }))];
    const ids = [...resolveTargets(refs, { stations, units, groupMembers: [], clusters: [] }).keys()];
    if (ids.length === 0) throw new LoaError('validation_failed', 'Hãy chọn ít nhất một trạm hoặc một đơn vị có trạm.');
    const message =
      who.kind === 'user' && who.role === 'operator' ? 'Cán bộ trạm chỉ được phát thông báo khẩn cấp trên các trạm thuộc đơn vị của mình.' : 'Bạn chỉ phát trực tiếp được trên các trạm thuộc đơn vị mình.';
    await this.access.requireTargets(who, 'write', ids, message);
    return ids;
  }

  async source(input: StartLive, who: Principal): Promise<ResolvedSource> {
    switch (input.sourceKind) {
      case 'programme': {
        if (!input.programmeId) throw new LoaError('validation_failed', 'Hãy chọn chương trình để phát.', { fields: [{ field: 'programmeId', problems: ['required'] }] });
        const found = await this.relays.programme(input.programmeId);
        // Another unit's own programme is not there for this caller.
        const [programme] = found ? await this.access.filterOwned(who, [found], (p) => p.createdBy) : [];
        if (!programme) throw new LoaError('not_found', 'Không tìm thấy chương trình này.', { id: input.programmeId });
        return { source: await this.programmeInput(programme), programmeId: programme.id, url: null, reopen: null, credentials: null };
      }
      case 'url': {
        if (!input.url) throw new LoaError('validation_failed', 'Hãy nhập địa chỉ luồng phát.', { fields: [{ field: 'url', problems: ['required'] }] });
        const url = parseStreamUrl(input.url);
        const open = this.streamOpener(url);
        return { source: await open(), programmeId: null, url: url.shown, reopen: open, credentials: url.credentials };
      }
      case 'mic':
        return { source: MIC_INPUT, programmeId: null, url: null, reopen: null, credentials: null };
      case 'text': {
        const text = input.text?.trim();
        if (!text) throw new LoaError('validation_failed', 'Hãy nhập nội dung cần đọc.', { fields: [{ field: 'text', problems: ['required'] }] });
        const { programme, asset } = await this.speak(input.kind, input.title, text, who);
        const file = await this.media.fileFor(asset.sha256);
        const gain = await this.media.liveGain(asset);
        return { source: { kind: 'file', path: file.path, format: 'mp3', gain }, programmeId: programme.id, url: null, reopen: null, credentials: null };
      }
    }
  }

  /** A stored programme's broadcast file, with the gain that brings its live airing to the loudness target. */
  async programmeInput(programme: Programme, startMs = 0): Promise<EncoderInput> {
    const asset = await this.media.requireReady(programme.mediaAssetId);
    const file = await this.media.fileFor(asset.sha256);
    const gain = await this.media.liveGain(asset);
    return { kind: 'file', path: file.path, format: 'mp3', gain, ...(startMs > 0 ? { startMs } : {}) };
  }

  /** Opens the stream (checked again) each time it is called. */
  streamOpener(url: StreamUrl): () => Promise<EncoderInput> {
    return async () => ({ kind: 'stream', ...(await this.sources.open(url)) });
  }

  /**
   * Reads the text out with the speech engine, normalised like any upload, and keeps it as a programme:
   * the logbook names it, latecomers to an emergency hear it, and staff can air it again.
   */
  private async speak(kind: LiveKind, title: string, text: string, who: Principal): Promise<{ programme: Programme; asset: ReadyMediaAsset }> {
    const userId = who.kind === 'user' ? who.userId : null;
    const chuyenMuc = kind === 'emergency' ? 'Thông báo khẩn cấp' : 'Tin bài';
    const accepted = await this.tts.speak(text, undefined, userId, chuyenMuc);
    const asset = await this.media.settled(accepted.id, SPEECH_READY_MS);
    if (!isReady(asset)) {
      throw new LoaError('media_not_ready', 'Chưa đọc được văn bản thành tiếng để phát. Hãy thử lại, hoặc chọn một chương trình đã có.', {
        id: asset.id,
        status: asset.status,
      });
    }
    const programme = await this.relays.createProgramme({ title, chuyenMuc, description: text, spokenText: text, mediaAssetId: asset.id, createdBy: userId, createdAt: this.clock.nowInstant() });
    return { programme, asset };
  }
}
