import { Injectable } from '@nestjs/common';

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
    return new Date(this.now()).toISOString();
  }
}
