import type { Logger } from '@homelab/core';
import { poolIdentity, watchAction } from './pool-identity.js';
import { type PoolWatcher, watchPool } from './watch.js';

/** How often the pool's identity is checked: a replaced pool folder is watched again within about 2 s. */
export const POOL_CHECK_MS = 500;

export interface FollowingWatcher {
  /** Resolves after the first check: watching, or (pool missing) waiting for it to appear. */
  ready: Promise<void>;
  /** For /readyz: ok only while a watch is armed on the folder now at the pool's path. */
  health(): { ok: boolean; detail: string };
  close(): Promise<void>;
}

/**
 * Watches the pool and keeps watching the folder that is *at its path*: an inotify watch follows
 * the inode, so after `rm -rf pool && mkdir pool` (or a restore from backup, or a folder moved
 * away and another put there) it would watch nothing forever. Every POOL_CHECK_MS the pool's
 * identity (dev + ino) is compared with the watched one; a change re-arms the watch and calls
 * `onChange` (the new folder's content is unknown), a missing pool disarms it until it is back.
 */
export function followPool(
  pool: string,
  log: Logger,
  onChange: (event: string, path: string) => void,
  opts: { checkEveryMs?: number } = {},
): FollowingWatcher {
  let armed: { dev: number; ino: number } | undefined;
  let inner: PoolWatcher | undefined;
  let broken = false;
  let everArmed = false;
  let detail = 'starting';
  let closed = false;
  let checking: Promise<void> | undefined;

  const disarm = async () => {
    const w = inner;
    inner = undefined;
    armed = undefined;
    await w?.close();
  };

  const check = async (): Promise<void> => {
    const now = await poolIdentity(pool);
    const action = watchAction(armed, now, broken);
    if (action === 'keep') {
      if (now.kind === 'absent') detail = `no working watch: ${now.why}`;
      return;
    }
    await disarm();
    if (now.kind === 'absent') {
      detail = `no working watch: ${now.why}`;
      log.warn({ pool, why: now.why }, 'the pool folder is gone: not watching until it is back');
      return;
    }
    broken = false;
    const watcher = watchPool(pool, log, (event, path) => {
      // The watched folder itself went away (moved or removed): check now rather than at the next tick.
      if (path === pool && event === 'unlinkDir') {
        broken = true;
        detail = `no working watch: the pool folder ${pool} was removed or moved away`;
        void tick();
      }
      onChange(event, path);
    });
    inner = watcher;
    await watcher.ready;
    if (closed) return;
    armed = { dev: now.dev, ino: now.ino };
    detail = 'watching';
    if (everArmed) {
      log.info({ pool }, 'the pool folder was replaced: watch re-armed');
      onChange('rearm', pool);
    }
    everArmed = true;
  };

  const tick = (): Promise<void> => {
    if (closed) return Promise.resolve();
    checking ??= check()
      .catch((error: unknown) => {
        detail = `no working watch: ${(error as Error).message}`;
        log.error({ err: error, pool }, 'cannot watch the pool');
      })
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  const ready = tick();
  const timer = setInterval(() => void tick(), opts.checkEveryMs ?? POOL_CHECK_MS);
  return {
    ready,
    health: () => ({ ok: armed !== undefined && !broken, detail }),
    async close() {
      closed = true;
      clearInterval(timer);
      await checking;
      await disarm();
    },
  };
}
