import { open, readFile, unlink } from 'node:fs/promises';
import { errorMessage, LockHeldError, RuntimeError } from './errors.js';

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

/** True when a process with this PID exists (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock file holding our PID. A lock whose PID is no longer alive is stale and
 * taken over; a live holder raises LockHeldError.
 */
export async function acquireLock(path: string, opts: { pid?: number; isAlive?: (pid: number) => boolean } = {}): Promise<Lock> {
  const pid = opts.pid ?? process.pid;
  const isAlive = opts.isAlive ?? isProcessAlive;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${pid}\n`);
        await handle.sync();
      } catch (error) {
        // A full filesystem: leave no empty lock behind, and name the file (ENOSPC names none).
        await handle.close().catch(() => {});
        await unlink(path).catch(() => {});
        throw new RuntimeError(`cannot write lock file ${path}: ${errorMessage(error)}`, 'LOCK_UNWRITABLE', { cause: error });
      }
      await handle.close();
      return {
        path,
        release: async () => {
          const holder = await readHolder(path);
          if (holder === pid) await unlink(path).catch(() => {});
        },
      };
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new RuntimeError(`cannot create lock file ${path}: ${errorMessage(error)}`, 'LOCK_UNWRITABLE', { cause: error });
    }
    const holder = await readHolder(path);
    if (holder !== undefined && holder !== pid && isAlive(holder)) throw new LockHeldError(path, holder);
    // Stale (dead holder, our own PID from a previous life, or an unreadable half-written file).
    await unlink(path).catch(() => {});
  }
  throw new RuntimeError(`could not take lock ${path}`, 'LOCK_RACE');
}

async function readHolder(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
