import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from '@homelab/core';
import { watch } from 'chokidar';
import { isIgnoredPath, isRenderInput, mayContainInputs } from './world-paths.js';

export interface WorldWatcher {
  close(): Promise<void>;
}

const toRel = (world: string, path: string) => relative(world, path).split(sep).join('/');

/**
 * Watches only what the renderer reads (see world-paths.ts). Resolves once chokidar's initial
 * scan is done; `onChange` gets world-relative paths. New dimension folders are picked up by
 * chokidar as they appear, because their parents are watched.
 */
export async function watchWorld(
  world: string,
  opts: { log: Logger; onChange: (rel: string, event: string) => void },
): Promise<WorldWatcher> {
  const watcher = watch(world, {
    ignoreInitial: true,
    followSymlinks: false,
    ignorePermissionErrors: true,
    ignored: (path: string, stats?: Stats) => {
      const rel = toRel(world, path);
      if (rel.startsWith('..')) return false;
      return isIgnoredPath(rel, stats ? stats.isFile() : undefined);
    },
  });
  watcher.on('all', (event, path) => {
    const rel = toRel(world, path);
    if (isRenderInput(rel)) opts.onChange(rel, event);
  });
  watcher.on('error', (error) => opts.log.warn({ err: error }, 'watcher error'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { close: () => watcher.close() };
}

/** Newest modification time of any render input, or undefined when the world has none. */
export async function newestInputTime(world: string): Promise<number | undefined> {
  let newest: number | undefined;
  const walk = async (rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(join(world, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const input = isRenderInput(child);
      if (entry.isDirectory() && !input && mayContainInputs(child)) await walk(child);
      else if ((entry.isFile() || entry.isDirectory()) && input) {
        // An input folder's own mtime moves when a file in it is added or removed.
        if (entry.isDirectory()) await walk(child);
        const mtime = (await stat(join(world, child)).catch(() => undefined))?.mtimeMs;
        if (mtime !== undefined && (newest === undefined || mtime > newest)) newest = mtime;
      }
    }
  };
  await walk('');
  return newest;
}
