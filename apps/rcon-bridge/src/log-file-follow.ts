import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { lineSplitter } from '@homelab/core';

export interface FollowOptions {
  /** Poll interval; polling (not inotify) also works on network and overlay file systems. Default 250 ms. */
  intervalMs?: number;
  /** Lines of the existing file to emit first (its tail). Default 200. */
  initialLines?: number;
}

/**
 * Follows a log file like `tail -F`: new lines as they are appended; a rotated file (new inode)
 * is read from its start; a truncated file (smaller than what was read) is read again from 0.
 * A missing file is waited for.
 */
export function followFile(path: string, onLine: (line: string) => void, opts: FollowOptions = {}): () => void {
  const splitter = lineSplitter(onLine);
  let fd: number | undefined;
  let inode = -1;
  let position = 0;
  const buffer = Buffer.alloc(64 * 1024);

  const open = (fromTail: boolean) => {
    try {
      fd = openSync(path, 'r');
    } catch {
      fd = undefined;
      return;
    }
    const st = fstatSync(fd);
    inode = st.ino;
    position = 0;
    if (fromTail) position = tailStart(fd, st.size, opts.initialLines ?? 200);
  };

  const drain = () => {
    if (fd === undefined) return;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n <= 0) break;
      position += n;
      splitter.push(buffer.toString('utf8', 0, n));
    }
  };

  const poll = () => {
    if (fd === undefined) {
      open(false);
      drain();
      return;
    }
    let current: ReturnType<typeof statSync> | undefined;
    try {
      current = statSync(path);
    } catch {
      current = undefined; // rotated away, the new one is not there yet
    }
    if (current && current.ino !== inode) {
      drain(); // the rest of the old file first
      splitter.end();
      closeSync(fd);
      open(false);
    } else if (fstatSync(fd).size < position) {
      splitter.end();
      position = 0;
    }
    drain();
  };

  open(true);
  drain();
  const timer = setInterval(poll, opts.intervalMs ?? 250);
  return () => {
    clearInterval(timer);
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
}

/** The offset where the last `lines` lines of an open file begin. */
function tailStart(fd: number, size: number, lines: number): number {
  if (lines <= 0) return size;
  const chunk = 64 * 1024;
  let end = size;
  let newlines = 0;
  const buf = Buffer.alloc(chunk);
  while (end > 0) {
    const start = Math.max(0, end - chunk);
    const n = readSync(fd, buf, 0, end - start, start);
    for (let i = n - 1; i >= 0; i--) {
      // A final newline ends the last line; it does not start one.
      if (buf[i] === 0x0a && start + i !== size - 1 && ++newlines === lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}
