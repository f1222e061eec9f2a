import { connect, type Socket } from 'node:net';
import { lineSplitter } from '@homelab/core/lines';

export interface LogStreamOptions {
  path: string;
  onLine(line: string): void;
  onStatus(message: string): void;
  backoff?: { minMs: number; maxMs: number };
}

/**
 * Reads the bridge's log socket and reconnects when it goes away. After a reconnect the bridge
 * sends its history again: lines already shown are skipped until the first new one.
 */
export class LogStream {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private delay: number;
  private connectedOnce = false;
  private readonly recent: string[] = [];
  private readonly recentSet = new Map<string, number>();

  constructor(private readonly opts: LogStreamOptions) {
    this.delay = opts.backoff?.minMs ?? 200;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }

  private connect(): void {
    const socket = connect(this.opts.path);
    this.socket = socket;
    let resync = true;
    const lines = lineSplitter((line) => {
      if (resync && this.recentSet.has(line)) return;
      resync = false;
      this.remember(line);
      this.opts.onLine(line);
    });
    let up = false;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      up = true;
      this.delay = this.opts.backoff?.minMs ?? 200;
      if (this.connectedOnce) this.opts.onStatus('log stream reconnected');
      this.connectedOnce = true;
    });
    socket.on('data', (chunk: string) => lines.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.stopped) return;
      if (up) this.opts.onStatus('log stream lost; reconnecting');
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, this.opts.backoff?.maxMs ?? 2_000);
    });
  }

  private remember(line: string): void {
    this.recent.push(line);
    this.recentSet.set(line, (this.recentSet.get(line) ?? 0) + 1);
    if (this.recent.length > 1000) {
      const old = this.recent.shift() as string;
      const n = (this.recentSet.get(old) ?? 1) - 1;
      if (n <= 0) this.recentSet.delete(old);
      else this.recentSet.set(old, n);
    }
  }
}
