import { afterAll, afterEach } from 'vitest';
import { removeNetnses } from './netns.js';
import { stopAllProcesses } from './process.js';
import { removeTempDirs } from './temp-dir.js';

/** Registers clean-up of processes, temp dirs and namespaces started by the current test file. */
export function useCleanup(scope: 'each' | 'all' = 'each'): void {
  const hook = scope === 'each' ? afterEach : afterAll;
  hook(async () => {
    await stopAllProcesses();
    removeNetnses();
    await removeTempDirs();
  });
}
