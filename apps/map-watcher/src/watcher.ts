import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from '@homelab/core';
import { type FSWatcher, watch } from 'chokidar';
import { isInputRoot, isRenderInput, mayContainInputs } from './world-paths.js';

export interface WorldWatcher {
  close(): Promise<void>;
  /** Input folders being watched (world-relative). */
  inputs(): string[];
}

const toRel = (world: string, path: string) => relative(world, path).split(sep).join('/');

/**
 * Watches only what the renderer reads (see world-paths.ts); `onChange` gets world-relative paths.
 *
 * - chokidar watches folders only, one inotify watch per folder instead of one per file (a world
 *   has tens of thousands of region files). A folder's watch reports every create, modify, delete
 *   and rename of its files; they arrive as chokidar `raw` events carrying the file name.
 * - One "structure" watcher covers the world root and the dimension roots; each input folder
 *   (`region`, `DIM-1/entities`, ...) gets its own watcher, started one after another: chokidar
 *   lstat()s every entry of a folder it scans, and scanning all of them at once doubles the peak
 *   memory, which an idle Node process never gives back (see bench/watcher.bench.ts).
 * - An input folder or dimension that appears later is seen by the structure watcher and added.
 */
export async function watchWorld(
  world: string,
  opts: { log: Logger; onChange: (rel: string, event: string) => void },
): Promise<WorldWatcher> {
  const inputs = new Map<string, FSWatcher>();
  let closed = false;
  let started = false;
  let queue: Promise<void> = Promise.resolve();
  const report = (path: string, event: string) => {
    const rel = toRel(world, path);
    if (isRenderInput(rel)) opts.onChange(rel, event);
  };
  const onError = (error: unknown) => opts.log.warn({ err: error }, 'watcher error');

  const watchInput = async (rel: string): Promise<void> => {
    const abs = join(world, rel);
    const exists = await stat(abs).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const current = inputs.get(rel);
    if (closed || (exists && current) || (!exists && !current)) return;
    if (current) {
      // The folder went away; a new one of the same name needs a new watch.
      inputs.delete(rel);
      await current.close();
      return;
    }
    const watcher = watch(abs, {
      ignoreInitial: true,
      followSymlinks: false,
      ignorePermissionErrors: true,
      ignored: (_p: string, s?: Stats) => s?.isFile() === true,
    });
    watcher.on('raw', (event, evPath, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (watched && evPath) report(join(watched, evPath), event);
    });
    watcher.on('addDir', (path) => report(path, 'addDir'));
    watcher.on('unlinkDir', (path) => report(path, 'unlinkDir'));
    watcher.on('error', onError);
    inputs.set(rel, watcher);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    // Files may have landed in a new folder before its watch was ready.
    if (started) opts.onChange(rel, 'addDir');
  };
  const enqueue = (rel: string) => {
    queue = queue.then(() => watchInput(rel)).catch(onError);
    return queue;
  };

  const structure = watch(world, {
    ignoreInitial: true,
    followSymlinks: false,
    ignorePermissionErrors: true,
    ignored: (path: string, s?: Stats) => {
      const rel = toRel(world, path);
      if (rel.startsWith('..')) return false;
      if (s?.isFile()) return true;
      return isInputRoot(rel) || !mayContainInputs(rel);
    },
  });
  structure.on('raw', (event, evPath, details) => {
    const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (!watched || !evPath) return;
    const rel = toRel(world, join(watched, evPath));
    if (isInputRoot(rel)) {
      opts.onChange(rel, event);
      void enqueue(rel);
    }
  });
  // A new dimension root: its input folders may have been created before its watch was set up.
  structure.on('addDir', (path) => {
    for (const name of ['region', 'entities', 'data', 'playerdata']) void enqueue(toRel(world, join(path, name)));
  });
  structure.on('error', onError);
  await new Promise<void>((resolve) => structure.once('ready', () => resolve()));
  for (const rel of await findInputRoots(world)) await enqueue(rel);
  await queue;
  started = true;
  return {
    inputs: () => [...inputs.keys()].sort(),
    close: async () => {
      closed = true;
      await queue;
      await Promise.all([structure.close(), ...[...inputs.values()].map((w) => w.close())]);
    },
  };
}

/** Input folders that exist now, found by reading only the world root and dimension roots. */
async function findInputRoots(world: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(world, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (isInputRoot(child)) found.push(child);
      else if (mayContainInputs(child)) await walk(child);
    }
  };
  await walk('');
  return found;
}

/** Newest modification time of any render input (files and input folders), or undefined when there is none. */
export async function newestInputTime(world: string): Promise<number | undefined> {
  let newest: number | undefined;
  const consider = (mtime: number | undefined) => {
    if (mtime !== undefined && (newest === undefined || mtime > newest)) newest = mtime;
  };
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(world, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const input = isRenderInput(child);
      if (input && (entry.isFile() || entry.isDirectory())) {
        // An input folder's own mtime moves when a file in it is added or removed.
        consider((await stat(join(world, child)).catch(() => undefined))?.mtimeMs);
      }
      if (entry.isDirectory() && (input || mayContainInputs(child))) await walk(child);
    }
  };
  await walk('');
  return newest;
}
