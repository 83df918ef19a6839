import { Controller, Get, MessageEvent, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { concatMap, interval, merge, Observable, of, takeUntil, throttleTime, last, defaultIfEmpty } from 'rxjs';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { AgentGateway } from './agent.gateway';

/** Status frames arrive in bursts (a slot starts on many stations at once): one event per half second is plenty. */
const STREAM_THROTTLE_MS = 500;
/** The whole list again now and then, so proxies do not close a quiet stream and a missed event heals. */
const STREAM_REFRESH_MS = 15_000;

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(private readonly gateway: AgentGateway) {}

  /** Agents connected now, with the status each last reported; someone bound to a unit sees its own stations' only. */
  @Get('status')
  status(@CurrentPrincipal() who: Principal) {
    return this.gateway.statusesFor(who);
  }

  /**
   * The same list as a server-sent event stream: once at the start, then whenever an agent connects,
   * goes away or reports a change. Read it with fetch and the Authorization header.
   */
  @ApiProduces('text/event-stream')
  @Sse('status/stream')
  stream(@CurrentPrincipal() who: Principal): Observable<MessageEvent> {
    const stopped = this.gateway.statusChanges.pipe(defaultIfEmpty(undefined), last());
    return merge(
      of(undefined),
      this.gateway.statusChanges.pipe(throttleTime(STREAM_THROTTLE_MS, undefined, { leading: true, trailing: true })),
      interval(STREAM_REFRESH_MS),
    ).pipe(
      takeUntil(stopped),
      concatMap(async () => ({ type: 'status', data: await this.gateway.statusesFor(who) })),
    );
  }
}
