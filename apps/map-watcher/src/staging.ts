import { mkdir, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@homelab/core';

/** Present in staging while a render runs; left behind by a render that failed, timed out, was aborted or crashed. */
export const RENDER_MARKER = '.map-watcher-rendering';

/**
 * The staging folder between renders. A render that did not exit successfully may have left
 * anything there (half-written tiles, stray files, a cache describing tiles it never wrote), so
 * the next render starts from an empty folder: a full render, whose output is only its own.
 * Successful renders leave staging (and the renderer's incremental cache) as it is.
 */
export function renderStaging(staging: string, log: Logger) {
  const marker = join(staging, RENDER_MARKER);
  return {
    /** Before the renderer runs: clears what an unfinished render left, then marks a render as running. */
    async begin(): Promise<void> {
      if (await exists(marker)) {
        const entries = await readdir(staging);
        await Promise.all(entries.map((name) => rm(join(staging, name), { recursive: true, force: true })));
        log.warn({ staging, removed: entries.length }, 'the previous render did not finish: starting from an empty staging folder');
      }
      await mkdir(staging, { recursive: true });
      await writeFile(marker, `${process.pid}\n`);
    },
    /** After the renderer exited successfully: its output is complete and may be published. */
    async succeeded(): Promise<void> {
      await unlink(marker);
    },
  };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
