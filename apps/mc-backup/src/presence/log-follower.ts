import { createConnection, type Socket } from 'node:net';
import { type Logger, lineSplitter } from '@homelab/core';

export interface LogFollowerOptions {
  /** The bridge's log socket (BRIDGE_LOG_SOCKET): history lines first, then live ones. */
  path: string;
  /** The last line handled before (persisted): history up to it was seen already. */
  lastLine: () => string | null;
  onLine(line: string): void;
  /** Each (re)connection, after its history was handled (e.g. to ask `list`). */
  onConnected?(): void;
  signal: AbortSignal;
  log: Logger;
  /** How long after connecting lines count as the history batch. */
  historyWindowMs?: number;
}

/**
 * Follows the bridge's log stream, reconnecting with backoff (250 ms doubling to 5 s). The
 * history a new connection starts with is handled from the line after the last one handled
 * before, or whole when that line is not in it (it is then older than the history): a line may
 * be handled twice after a gap, never skipped.
 */
export function followLog(opts: LogFollowerOptions): void {
  let attempt = 0;
  const connect = () => {
    if (opts.signal.aborted) return;
    const socket: Socket = createConnection(opts.path);
    let batch: string[] | undefined = [];
    const lines = lineSplitter((line) => {
      if (batch) batch.push(line);
      else opts.onLine(line);
    });
    const flushBatch = () => {
      if (!batch) return;
      const lines = batch;
      batch = undefined;
      const last = opts.lastLine();
      const seen = last === null ? -1 : lines.lastIndexOf(last);
      for (const line of lines.slice(seen + 1)) opts.onLine(line);
      opts.onConnected?.();
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      attempt = 0;
      opts.log.info({ path: opts.path }, 'following the server log');
      setTimeout(flushBatch, opts.historyWindowMs ?? 300);
    });
    socket.on('data', (chunk: string) => lines.push(chunk));
    socket.on('error', (error) => {
      if (attempt === 0) opts.log.warn({ path: opts.path, error: error.message }, 'server log stream unavailable; retrying');
    });
    socket.on('close', () => {
      if (opts.signal.aborted) return;
      const delay = Math.min(250 * 2 ** attempt++, 5_000);
      setTimeout(connect, delay).unref();
    });
    opts.signal.addEventListener('abort', () => socket.destroy(), { once: true });
  };
  connect();
}
