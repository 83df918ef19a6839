import { t, type MessageKey } from './i18n';
import { MicLink } from './mic-link';

/** The server's microphone socket takes raw PCM: 16-bit little-endian, mono, 48 kHz. */
const SAMPLE_RATE = 48_000;

/**
 * Runs on the audio thread: turns the microphone's float samples into 16-bit integers and posts them in
 * 20 ms pieces (a message every 2.7 ms, the worklet's own pace, would be a flood of tiny frames).
 */
const WORKLET = `
class LoaPcmTap extends AudioWorkletProcessor {
  constructor() { super(); this.buf = new Int16Array(960); this.n = 0; }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    for (let i = 0; i < ch.length; i++) {
      const v = Math.max(-1, Math.min(1, ch[i]));
      this.buf[this.n++] = v < 0 ? v * 0x8000 : v * 0x7fff;
      if (this.n === this.buf.length) {
        this.port.postMessage(this.buf.buffer, [this.buf.buffer]);
        this.buf = new Int16Array(960);
        this.n = 0;
      }
    }
    return true;
  }
}
registerProcessor('loa-pcm-tap', LoaPcmTap);
`;

/** Why the server closed the microphone socket, by its close code. */
const CLOSE_REASONS: Record<number, MessageKey> = {
  4401: 'micUnauthorized',
  4403: 'micForbidden',
  4404: 'micNotFound',
  4409: 'micBusy',
};

/** Whether this page may ask for the microphone at all: browsers allow it on https or localhost only. */
export function micAvailable(): boolean {
  return window.isSecureContext && typeof navigator.mediaDevices?.getUserMedia === 'function' && typeof AudioWorkletNode === 'function';
}

export interface OpenMic {
  /**
   * Sends the microphone to a relay started with `sourceKind: "mic"`; `onEnd` hears why it stopped, if not by
   * choice, and `onReconnecting` when the socket dropped and is being opened again (false once it is back).
   */
  connect(relayId: string, token: string, onEnd: (problem: string | null) => void, onReconnecting?: (reconnecting: boolean) => void): void;
  /** Ends the relay after what was sent has aired, and lets go of the microphone. */
  stop(): void;
}

/** Asks for the microphone (the browser shows its own prompt) and prepares it; nothing is sent yet. */
export async function openMic(): Promise<OpenMic> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  const ctx = new AudioContext({ sampleRate: SAMPLE_RATE });
  const url = URL.createObjectURL(new Blob([WORKLET], { type: 'text/javascript' }));
  try {
    await ctx.audioWorklet.addModule(url);
  } finally {
    URL.revokeObjectURL(url);
  }
  const source = ctx.createMediaStreamSource(stream);
  const tap = new AudioWorkletNode(ctx, 'loa-pcm-tap');
  let link: MicLink | null = null;
  let released = false;

  const release = () => {
    if (released) return;
    released = true;
    tap.port.onmessage = null;
    source.disconnect();
    tap.disconnect();
    stream.getTracks().forEach((track) => track.stop());
    void ctx.close();
  };

  return {
    connect(relayId, token, onEnd, onReconnecting) {
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const q = new URLSearchParams({ relayId, access_token: token });
      // The same address each time: behind the load balancer it reaches whichever instance is alive.
      const address = `${scheme}//${location.host}/api/live/mic?${q.toString()}`;
      const l = new MicLink({
        open: () => new WebSocket(address),
        onReconnecting: (on) => onReconnecting?.(on),
        onEnd: (code) => {
          release();
          if (code === null) return onEnd(null);
          const key = CLOSE_REASONS[code];
          onEnd(key ? t(key) : t('micLost'));
        },
      });
      link = l;
      tap.port.onmessage = (e: MessageEvent<ArrayBuffer>) => l.send(e.data);
      source.connect(tap);
    },
    stop() {
      if (link) link.stop();
      else release();
    },
  };
}
