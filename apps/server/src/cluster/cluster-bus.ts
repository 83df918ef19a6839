import { randomUUID } from 'node:crypto';
import type { OnApplicationShutdown } from '@nestjs/common';

/** A value in a shared bucket, with the revision a compare-and-set update must name. */
export interface BucketEntry {
  value: Uint8Array;
  revision: number;
}

/** A key-value bucket every server instance sees; keys are limited to [-/_=.a-zA-Z0-9]. */
export interface SharedBucket {
  get(key: string): Promise<BucketEntry | null>;
  /** Writes only if the key is absent (or deleted); throws BucketConflict otherwise. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** Writes only if the key is still at `revision`; throws BucketConflict otherwise. */
  update(key: string, value: Uint8Array, revision: number): Promise<number>;
  put(key: string, value: Uint8Array): Promise<number>;
  /** Deletes the key; with `revision`, only if nobody wrote it since. */
  delete(key: string, revision?: number): Promise<void>;
  /**
   * Calls `onEntry` with every current key, then with every change (`null` for a deleted key), until the
   * returned function is called. After a lost link it starts over: `onReload` fires before the keys come again.
   */
  watch(onEntry: (key: string, value: Uint8Array | null) => void, onReload?: () => void): () => void;
}

/** A compare-and-set write lost to another writer. */
export class BucketConflict extends Error {}

export type BusHandler = (data: Uint8Array, subject: string) => void;

/**
 * What crosses server instances. Messages published here reach the other instances only: the publisher
 * acts on its own side itself, at once, and never waits for the network to hear its own news.
 */
export abstract class ClusterBus implements OnApplicationShutdown {
  /** This process among the instances; stable while it runs. */
  readonly instanceId: string = randomUUID();
  /** Whether other instances may exist (a message bus is configured). */
  abstract readonly clustered: boolean;

  abstract publish(subject: string, data: Uint8Array): void;
  /** Messages from other instances on `subject` (NATS wildcards allowed); returns the unsubscribe. */
  abstract subscribe(subject: string, handler: BusHandler): () => void;
  /** A bucket shared by the instances whose keys expire `ttlMs` after their last write; null when alone. */
  abstract bucket(name: string, ttlMs: number): Promise<SharedBucket> | null;
  /** Resolves once what was published and subscribed so far has reached the other instances' server. */
  abstract flush(): Promise<void>;
  /** Called after the link to the other instances came back, so watchers can reload what they missed. */
  abstract onReconnect(fn: () => void): void;
  abstract close(): Promise<void>;

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

/** One process, as before: nothing leaves it, so publishing has no one to reach. */
export class LocalBus extends ClusterBus {
  readonly clustered = false;

  publish(_subject: string, _data: Uint8Array): void {}

  subscribe(_subject: string, _handler: BusHandler): () => void {
    return () => undefined;
  }

  bucket(_name: string, _ttlMs: number): null {
    return null;
  }

  onReconnect(): void {}

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}
