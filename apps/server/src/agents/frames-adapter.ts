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

  /**
   * Nest logs every client socket's error at ERROR level with a stack, so anyone, signed in or not, could
   * fill the log with "Max payload size exceeded" traces. Each gateway logs its clients' errors itself as one
   * WARN line; only the listening server's own errors are logged here.
   */
  override bindErrorHandler(server: { on(event: 'error', listener: (err: Error) => void): unknown }): typeof server {
    server.on('error', (err) => this.logger.error(err));
    return server;
  }

  override bindMessageHandlers(client: unknown, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    if (handlers.length === 0) return;
    super.bindMessageHandlers(client, handlers, transform);
  }
}
