import { Injectable } from '@nestjs/common';
import { LiveCluster } from './live-cluster';
import { ActiveRelays } from './live-state';

/** Where a browser's microphone audio goes. */
export interface MicSink {
  write(chunk: Buffer): boolean;
  end(): void;
}

/**
 * The microphone path of a relay whose source is `mic`: the browser's raw PCM goes into the relay's
 * encoder, here or (through the cluster bus) on the instance that encodes the relay.
 */
@Injectable()
export class LiveMicrophone {
  constructor(
    private readonly active: ActiveRelays,
    private readonly cluster: LiveCluster,
  ) {}

  /**
   * A microphone connected to a relay whose source is `mic`: returns where its audio goes, or null. A relay
   * encoded on another instance (one that took it over) gets the audio through the cluster bus.
   */
  attach(id: string): MicSink | null {
    const a = this.active.get(id);
    if (!a) {
      const elsewhere = this.cluster.micElsewhere(id);
      if (!elsewhere) return null;
      // This instance may itself take the relay over while the microphone is connected to it.
      return {
        write: (chunk) => (this.active.has(id) ? (this.remote(id, chunk), true) : elsewhere.write(chunk)),
        end: () => (this.active.has(id) ? this.remote(id, null) : elsewhere.end()),
      };
    }
    if (a.input.kind !== 'pipe' || a.micAttached || !a.encoder) return null;
    a.micAttached = true;
    const encoder = a.encoder;
    return { write: (chunk) => encoder.write(chunk), end: () => encoder.endInput() };
  }

  /** Microphone audio for a relay encoded here, from a browser connected to another instance; `null` when it ended. */
  remote(relayId: string, chunk: Buffer | null): void {
    const a = this.active.get(relayId);
    if (!a || a.input.kind !== 'pipe' || !a.encoder) return;
    if (chunk === null) {
      a.encoder.endInput();
      return;
    }
    a.micAttached = true;
    // Whole samples only, as from a browser connected here.
    if (chunk.length % 2 === 0) a.encoder.write(chunk);
  }
}
