import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';

/**
 * Nest's `ws` adapter for gateways that read their sockets' frames themselves (the agents' and the staff's
 * WebSockets validate every frame against the protocol). Nest's own routing of messages is not wired for a
 * gateway with no message handlers: left in, it runs an observable pipeline for every frame that arrives,
 * about a thousand a second from two thousand agents reporting live status, and routes each one nowhere.
 */
export class OwnFramesWsAdapter extends WsAdapter {
  constructor(app: INestApplicationContext) {
    super(app, { messageParser: () => undefined });
  }

  override bindMessageHandlers(client: unknown, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    if (handlers.length === 0) return;
    super.bindMessageHandlers(client, handlers, transform);
  }
}
