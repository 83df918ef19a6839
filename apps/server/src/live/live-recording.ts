import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { MediaStorage } from '../media/media-store';

/** Groups of audio held before the recording is written out: about two seconds, one write instead of twenty. */
const RECORDING_BATCH = 20;

/** A live relay's recording while it goes: written in batches, the stream stays corked and is let go every RECORDING_BATCH groups. */
export interface RelayRecording {
  readonly relayId: string;
  readonly path: string;
  readonly stream: WriteStream;
  bytes: number;
  held: number;
}

/**
 * The recordings of live relays. While a relay is live its recording is a work file named by the relay in
 * the store's work folder, which the instances share with the store, so the one that takes a relay over
 * finds it and carries it on; when the relay ends, it is moved into the store.
 */
@Injectable()
export class LiveRecordings {
  private readonly log = new Logger('Live');

  constructor(private readonly store: MediaStorage) {}

  init(): Promise<void> {
    return this.store.init();
  }

  private workFile(relayId: string): string {
    return join(this.store.tmpDir, `live-${relayId}.mp3`);
  }

  /** How much a dead instance recorded of a relay, 0 when nothing is there. */
  async recordedSoFar(relayId: string): Promise<number> {
    try {
      return await this.store.sizeOf(this.workFile(relayId));
    } catch {
      return 0;
    }
  }

  /** Opens the recording; a relay taken over appends to what its previous instance recorded, so the stored recording holds it all. */
  open(relayId: string, recordedBytes = 0): RelayRecording {
    const path = this.workFile(relayId);
    const recording: RelayRecording = { relayId, path, stream: createWriteStream(path, { flags: recordedBytes ? 'a' : 'w' }), bytes: recordedBytes, held: 0 };
    recording.stream.on('error', (e) => this.log.error(`recording of relay ${relayId} failed: ${e.message}`));
    recording.stream.cork();
    return recording;
  }

  write(recording: RelayRecording, payload: Buffer): void {
    recording.bytes += payload.length;
    recording.stream.write(payload);
    if (++recording.held >= RECORDING_BATCH) {
      recording.held = 0;
      recording.stream.uncork();
      recording.stream.cork();
    }
  }

  /** Closes the recording and moves it into the store: its hash and size, or null when it holds nothing (or could not be stored). */
  async keep(recording: RelayRecording): Promise<{ sha256: string; size: number } | null> {
    await new Promise<void>((resolve) => recording.stream.end(resolve));
    try {
      if (recording.bytes > 0) return await this.store.importFile(recording.path, 'mp3');
      await this.store.discard(recording.path);
    } catch (e) {
      this.log.error(`recording of relay ${recording.relayId} not stored: ${(e as Error).message}`);
    }
    return null;
  }

  /**
   * Lets the recording go without storing it: another instance owns it now and appends to it, so what this
   * one still held unwritten is dropped rather than written after the new owner's audio.
   */
  drop(recording: RelayRecording): void {
    recording.stream.destroy();
  }

  /** Where the stored recording of a finished relay lies. */
  pathOf(sha256: string): string {
    return this.store.pathOf(sha256, 'mp3');
  }
}
