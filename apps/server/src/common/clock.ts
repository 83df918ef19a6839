import { Injectable } from '@nestjs/common';
import { toInstant } from '@loa/protocol';

/** The server's clock, behind a class so schedule rules can be tested at any instant. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }

  /** Milliseconds on a clock that only moves forward, to measure how long work takes. */
  monotonicMs(): number {
    return performance.now();
  }

  nowInstant(): string {
    return toInstant(this.now());
  }
}
