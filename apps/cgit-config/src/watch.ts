import { relative, sep } from 'node:path';
import type { Logger } from '@homelab/core';
import { watch } from 'chokidar';

/** Git internals whose churn (pushes, gc) never changes what cgit-config renders. */
const GIT_INTERNALS = new Set(['objects', 'refs', 'hooks', 'info', 'logs', 'lfs', 'branches', 'worktrees', 'modules', 'packed-refs']);

/**
 * Pure: whether a path under the pool is irrelevant to the rendered config. Kept: repos and groups
 * (depth 1-2) and the `config` file of a repo (where privacy and description live); ignored: dot
 * entries (trash, temp folders, lock files) and git's object and ref stores.
 */
export function isIgnored(pool: string, path: string): boolean {
  const rel = relative(pool, path);
  if (rel === '') return false;
  const parts = rel.split(sep);
  if (parts.some((p) => p.startsWith('.') || p.endsWith('.lock'))) return true;
  if (parts.length === 2) return GIT_INTERNALS.has(parts[1] as string);
  if (parts.length === 3) return parts[2] !== 'config';
  return parts.length > 3;
}

export interface PoolWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Calls `onChange` for every relevant change under the pool (callers debounce). */
export function watchPool(pool: string, log: Logger, onChange: (event: string, path: string) => void): PoolWatcher {
  const watcher = watch(pool, {
    ignoreInitial: true,
    depth: 2,
    followSymlinks: false,
    ignored: (path: string) => isIgnored(pool, path),
  });
  watcher.on('all', (event, path) => {
    log.debug({ event, path }, 'pool changed');
    onChange(event, path);
  });
  watcher.on('error', (error) => log.error({ err: error }, 'watcher error'));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
