import type { Clock } from '../../../apps/agent/src/clock';

/** A clock a spec sets by hand: local, server and system time are all `now`, with no offset. */
export class FakeAgentClock implements Clock {
  constructor(public now = 1_800_000_000_000) {}
  localNow(): number {
    return this.now;
  }
  serverNow(): number {
    return this.now;
  }
  offsetMs(): number {
    return 0;
  }
  systemNow(): number {
    return this.now;
  }
}
