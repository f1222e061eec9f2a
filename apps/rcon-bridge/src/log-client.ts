import type { Socket } from 'node:net';
import { formatDuration } from '@homelab/core';

export interface LogClientOptions {
  /** Live lines waiting beyond this many bytes: the client does not read; it is dropped. */
  maxQueuedBytes: number;
  /** Output waiting this long without the client reading any of it: it is dropped. */
  stallTimeoutMs: number;
  /** Bytes handed to the socket per write; the next waits for 'drain'. */
  chunkBytes?: number;
  /** Called once when the client is dropped for not reading. */
  onDrop(why: string): void;
}

/**
 * One log-socket client: the history, then live lines, written in chunks that wait for the socket
 * to drain. The history is a snapshot of references to the hub's lines, so a slow reader of a large
 * history costs no copy of the text; only live lines that arrive meanwhile queue up, bounded.
 */
export class LogClient {
  private history: readonly string[];
  private next = 0;
  private live: string[] = [];
  private liveBytes = 0;
  private waiting = false;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    history: readonly string[],
    private readonly opts: LogClientOptions,
  ) {
    this.history = history;
    socket.on('drain', () => {
      this.waiting = false;
      clearTimeout(this.stallTimer);
      this.pump();
    });
    socket.once('close', () => clearTimeout(this.stallTimer));
    this.pump();
  }

  push(line: string): void {
    if (this.socket.destroyed) return;
    this.live.push(line);
    this.liveBytes += line.length + 1;
    if (this.liveBytes > this.opts.maxQueuedBytes) this.drop(`it left over ${this.opts.maxQueuedBytes} bytes of log unread`);
    else if (!this.waiting) this.pump();
  }

  private pump(): void {
    const size = this.opts.chunkBytes ?? 64 * 1024;
    while (!this.waiting && !this.socket.destroyed) {
      const parts: string[] = [];
      let bytes = 0;
      while (bytes < size && this.next < this.history.length) {
        const line = this.history[this.next++] as string;
        parts.push(line);
        bytes += line.length + 1;
      }
      if (this.next >= this.history.length && this.history.length > 0) this.history = []; // let the snapshot go
      while (bytes < size && this.live.length > 0) {
        const line = this.live.shift() as string;
        this.liveBytes -= line.length + 1;
        parts.push(line);
        bytes += line.length + 1;
      }
      if (parts.length === 0) return;
      if (!this.socket.write(`${parts.join('\n')}\n`)) {
        this.waiting = true;
        this.stallTimer = setTimeout(
          () => this.drop(`it read nothing for ${formatDuration(this.opts.stallTimeoutMs)} (BRIDGE_CLIENT_IDLE_TIMEOUT)`),
          this.opts.stallTimeoutMs,
        );
      }
    }
  }

  private drop(why: string): void {
    if (this.socket.destroyed) return;
    this.opts.onDrop(why);
    this.socket.destroy();
  }
}
