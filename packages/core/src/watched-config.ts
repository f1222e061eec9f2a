import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Clock } from './clock.js';
import { initialDebounce, quietPeriod } from './debounce.js';
import { DebouncedJob } from './debounced-job.js';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';

/** What a followed file needs from the service (its ServiceDeps). */
export interface WatchedConfigDeps {
  clock: Clock;
  log: Logger;
  lifecycle: Lifecycle;
}

export interface WatchedConfigOptions<F> {
  /** The file the sidecar renders from (e.g. a users YAML). */
  path: string;
  /** Reads and validates it; throws (a ConfigError naming the key) when it is refused. */
  load: (path: string) => F;
  /** Renders from a file that validated; keeps its own errors (the job never backs off). */
  render: (file: F) => Promise<void>;
  /** A changed file that no longer validates: the last good one stays (e.g. note it for readiness). */
  refused: (error: unknown) => void;
  /** What the file is, for the log line of a refusal ("users YAML"). */
  what: string;
  /** Quiet time after a change before the render (`quietPeriod`). */
  debounceMs: number;
  /** Reload and render this often even without a change (mounts and folders change beside the file). */
  recheckMs: number;
}

export interface WatchedConfig<F> {
  /** The last version of the file that validated. */
  readonly current: F;
  /** From now on a change of the file, and every `recheckMs`, reloads it and renders: one render at a time. */
  start(): void;
}

/**
 * A config file that sidecars render from and follow (sftp-config's users YAML, filestash-config's
 * shares YAML): loaded at once (a bad file at start is the caller's ConfigError, exit 2), then
 * reloaded and rendered on every change and every `recheckMs`, through one DebouncedJob; a reload
 * that is refused keeps the last good file and its render in place.
 */
export function watchConfig<F>(deps: WatchedConfigDeps, opts: WatchedConfigOptions<F>): WatchedConfig<F> {
  const { clock, log, lifecycle } = deps;
  let current = opts.load(opts.path);

  /** Reload, then render; a refused file renders nothing. */
  const rerender = async () => {
    try {
      current = opts.load(opts.path);
    } catch (error) {
      opts.refused(error);
      log.error({ err: error }, `${opts.what} refused; keeping the last good one`);
      return;
    }
    await opts.render(current);
  };

  return {
    get current() {
      return current;
    },
    start() {
      const renders = quietRenderJob({ clock, log, quietMs: opts.debounceMs, render: rerender });
      renders.start();
      lifecycle.onStop('renders', () => renders.stop());
      // The folder, not the file: editors and ConfigMap-style updates replace the file.
      const name = basename(opts.path);
      const watcher = watch(dirname(opts.path), (_event, changed) => {
        if (changed === null || changed === name || changed.startsWith('..')) renders.notifyChanges();
      });
      lifecycle.onStop('config watcher', () => watcher.close());
      const stopRecheck = new AbortController();
      const recheck = async () => {
        while (!stopRecheck.signal.aborted) {
          await clock.sleep(opts.recheckMs, stopRecheck.signal).then(
            () => renders.notifyChanges(),
            () => {},
          );
        }
      };
      void recheck();
      lifecycle.onStop('recheck timer', () => stopRecheck.abort());
    },
  };
}

/**
 * The job of a re-render that keeps its own errors: it runs after `quietMs` without a change
 * (`quietPeriod`), one at a time; changes during a render make exactly one more (cgit-config's pool
 * renders, and every followed config file).
 */
export function quietRenderJob(opts: { clock: Clock; log: Logger; quietMs: number; render: () => Promise<void> }): DebouncedJob {
  const { clock, log } = opts;
  const initial = initialDebounce({ now: clock.now(), runAtStart: false });
  return new DebouncedJob({ clock, settings: quietPeriod(opts.quietMs), initial, run: opts.render, log, name: 'render' });
}
