import { type FileHandle, open, stat } from 'node:fs/promises';

/** Where the follower is: the file (by inode) and the byte offset after the last whole line. */
export interface FollowPosition {
  ino: number;
  pos: number;
}

export interface FollowerOptions {
  path: string;
  /** Called with whole lines (no newline), in order; synchronous so positions stay exact. */
  onLines(lines: string[]): void;
  /** Resume here when the file is still the same inode and not shorter; else from the start. */
  resume?: FollowPosition;
  /** Where to begin a file seen for the first time without a resume position. */
  from?: 'start' | 'end';
  chunkBytes?: number;
  /** A longer line is dropped (a log line is a few hundred bytes; this bounds memory). */
  maxLineBytes?: number;
  onEvent?(event: 'opened' | 'rotated' | 'truncated' | 'overlong', detail: Record<string, unknown>): void;
}

export interface Follower {
  /** Reads everything new (following a rotation to the new file); resolves when caught up. */
  poll(): Promise<void>;
  position(): FollowPosition | undefined;
  close(): Promise<void>;
}

const NL = 0x0a;

/** Follows a log file like `tail -F`: appends, rotation (new inode at the path) and truncation. */
export function createFollower(opts: FollowerOptions): Follower {
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  const maxLine = opts.maxLineBytes ?? 64 * 1024;
  const buffer = Buffer.allocUnsafe(chunkBytes);
  let fh: FileHandle | undefined;
  let ino = 0;
  let pos = 0;
  let partial: Buffer = Buffer.alloc(0);
  let dropping = false;
  let firstOpen = true;

  const openCurrent = async (): Promise<boolean> => {
    let handle: FileHandle;
    try {
      handle = await open(opts.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    const st = await handle.stat();
    fh = handle;
    ino = st.ino;
    partial = Buffer.alloc(0);
    dropping = false;
    if (firstOpen && opts.resume && opts.resume.ino === st.ino && opts.resume.pos <= st.size) pos = opts.resume.pos;
    else if (firstOpen && !opts.resume && opts.from === 'end') pos = st.size;
    else pos = 0;
    firstOpen = false;
    opts.onEvent?.('opened', { ino, pos });
    return true;
  };

  const consume = (data: Buffer): void => {
    const lines: string[] = [];
    let start = 0;
    for (let nl = data.indexOf(NL, start); nl !== -1; nl = data.indexOf(NL, start)) {
      const piece = data.subarray(start, nl);
      start = nl + 1;
      if (dropping) {
        dropping = false;
        partial = Buffer.alloc(0);
        continue;
      }
      if (partial.length > 0) {
        lines.push(Buffer.concat([partial, piece]).toString('utf8'));
        partial = Buffer.alloc(0);
      } else {
        lines.push(piece.toString('utf8'));
      }
    }
    const rest = data.subarray(start);
    if (rest.length > 0 && !dropping) {
      partial = Buffer.concat([partial, rest]);
      if (partial.length > maxLine) {
        opts.onEvent?.('overlong', { bytes: partial.length });
        partial = Buffer.alloc(0);
        dropping = true;
      }
    }
    if (lines.length > 0) opts.onLines(lines);
  };

  const drain = async (): Promise<void> => {
    if (!fh) return;
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, chunkBytes, pos);
      if (bytesRead === 0) return;
      // Offsets advance only past whole lines, so a resume never starts mid-line.
      consume(buffer.subarray(0, bytesRead));
      pos += bytesRead;
    }
  };

  const committed = () => pos - partial.length;

  return {
    async poll() {
      if (!fh && !(await openCurrent())) return;
      const current = fh as FileHandle;
      const size = (await current.stat()).size;
      if (size < pos) {
        opts.onEvent?.('truncated', { ino, from: pos, size });
        pos = 0;
        partial = Buffer.alloc(0);
        dropping = false;
      }
      await drain();
      const now = await stat(opts.path).catch(() => undefined);
      if (now && now.ino !== ino) {
        // Rotated: the old file was read to its end above; the new one starts at 0.
        await drain();
        await current.close();
        fh = undefined;
        opts.onEvent?.('rotated', { from: ino, to: now.ino });
        if (await openCurrent()) await drain();
      }
    },
    position: () => (fh ? { ino, pos: committed() } : undefined),
    async close() {
      await fh?.close();
      fh = undefined;
    },
  };
}
