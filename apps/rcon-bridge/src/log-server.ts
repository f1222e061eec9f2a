import { createServer, type Server, type Socket } from 'node:net';
import { type Logger, listenUnixSocket } from '@homelab/core';
import type { LogHub } from './log-hub.js';

/** A client that lets this much of the stream pile up unread is dropped (it would grow without end). */
const MAX_UNREAD = 1024 * 1024;

/** Serves the log hub on a unix socket: plain text lines, history first, then live. */
export class LogServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly hub: LogHub,
    private readonly log: Logger,
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
    this.sockets.add(socket);
    const unsubscribe = this.hub.subscribe((line) => {
      if (socket.destroyed) return;
      socket.write(`${line}\n`);
      if (socket.writableLength > MAX_UNREAD) {
        this.log.warn('log client does not read; disconnecting it');
        socket.destroy();
      }
    });
    socket.on('data', () => {}); // input is ignored
    socket.on('error', () => {});
    socket.on('close', () => {
      unsubscribe();
      this.sockets.delete(socket);
    });
  }
}
