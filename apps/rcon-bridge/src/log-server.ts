import { createServer, type Server, type Socket } from 'node:net';
import { type Logger, listenUnixSocket } from '@homelab/core';
import { closeReplyText } from './client-limits.js';
import { LogClient } from './log-client.js';
import type { LogHub } from './log-hub.js';

/** A client that lets this much of the live stream pile up unread is dropped (it would grow without end). */
const MAX_UNREAD = 1024 * 1024;

export interface LogServerLimits {
  /** More clients at once get one refusal line and the end of the stream. */
  maxClients: number;
  /** A client that reads none of its waiting output for this long is dropped. */
  stallTimeoutMs: number;
}

/** Serves the log hub on a unix socket: plain text lines, history first (paced by the reader), then live. */
export class LogServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly hub: LogHub,
    private readonly log: Logger,
    private readonly limits: LogServerLimits,
  ) {
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', (error) => log.warn({ err: error.message }, 'log socket error'));
  }

  get clients(): number {
    return this.sockets.size;
  }

  async listen(path: string, mode: number): Promise<void> {
    await listenUnixSocket(this.server, path, mode);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    socket.on('data', () => {}); // input is ignored
    if (this.sockets.size >= this.limits.maxClients) {
      const reason = { kind: 'too-many', connected: this.sockets.size, max: this.limits.maxClients } as const;
      this.log.warn(reason, 'too many log clients; refusing a connection');
      socket.end(`${closeReplyText(reason)}\n`);
      setTimeout(() => socket.destroy(), 2_000).unref();
      return;
    }
    this.sockets.add(socket);
    // No line can arrive between attach() and the client's construction (one tick).
    let client: LogClient | undefined;
    const { history, detach } = this.hub.attach((line) => client?.push(line));
    client = new LogClient(socket, history, {
      maxQueuedBytes: MAX_UNREAD,
      stallTimeoutMs: this.limits.stallTimeoutMs,
      onDrop: (why) => this.log.warn({ why }, 'log client does not read; disconnecting it'),
    });
    socket.on('close', () => {
      detach();
      this.sockets.delete(socket);
    });
  }
}
