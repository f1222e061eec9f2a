import { afterAll, afterEach } from 'vitest';
import { removeNetnses } from './netns.js';
import { stopAllProcesses } from './process.js';
import { removeTempDirs } from './temp-dir.js';

const closers: (() => unknown)[] = [];

/** Something a test opened (a client, a peer, a socket): `useCleanup` closes it, newest first, before it stops processes. */
export function closeAfter(close: () => unknown): void {
  closers.push(close);
}

async function closeAll(): Promise<void> {
  const failures: unknown[] = [];
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/** Registers clean-up of what `closeAfter` got, and of processes, temp dirs and namespaces started by the current test file. */
export function useCleanup(scope: 'each' | 'all' = 'each'): void {
  const hook = scope === 'each' ? afterEach : afterAll;
  hook(async () => {
    try {
      await closeAll();
    } finally {
      await stopAllProcesses();
      removeNetnses();
      await removeTempDirs();
    }
  });
}
