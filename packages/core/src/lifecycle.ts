import type { Logger } from './logger.js';

export type StopHook = (signal: AbortSignal) => Promise<void> | void;

export interface Lifecycle {
  /** Aborted when a stop begins: long-running work listens to it. */
  readonly signal: AbortSignal;
  /** Registers a stop hook; hooks run in reverse order of registration. */
  onStop(name: string, hook: StopHook): void;
  /** Begins a graceful stop (idempotent) and resolves when every hook ran or the deadline passed. */
  stop(reason: string): Promise<StopOutcome>;
  /** Resolves once a stop has finished. */
  readonly stopped: Promise<StopOutcome>;
}

export interface StopOutcome {
  reason: string;
  /** True when every hook finished before the deadline without throwing. */
  clean: boolean;
  durationMs: number;
}

export interface LifecycleOptions {
  log: Logger;
  /** Total time for all hooks; past it the stop is reported unclean. Default 10 s. */
  deadlineMs?: number;
  /** Signals to listen to; default SIGTERM and SIGINT. Pass [] in tests. */
  signals?: NodeJS.Signals[];
  now?: () => number;
}

export function createLifecycle(opts: LifecycleOptions): Lifecycle {
  const deadlineMs = opts.deadlineMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const controller = new AbortController();
  const hooks: { name: string; hook: StopHook }[] = [];
  let stopping: Promise<StopOutcome> | undefined;
  let resolveStopped: (outcome: StopOutcome) => void = () => {};
  const stopped = new Promise<StopOutcome>((resolve) => {
    resolveStopped = resolve;
  });

  const runHooks = async (reason: string): Promise<StopOutcome> => {
    const start = now();
    opts.log.info({ reason }, 'stopping');
    controller.abort(new Error(`stopping: ${reason}`));
    let clean = true;
    const hooksDone = (async () => {
      for (const { name, hook } of [...hooks].reverse()) {
        try {
          await hook(controller.signal);
          opts.log.debug({ hook: name }, 'stop hook done');
        } catch (error) {
          clean = false;
          opts.log.error({ hook: name, err: error }, 'stop hook failed');
        }
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
      timer.unref();
    });
    const winner = await Promise.race([hooksDone.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (winner === 'deadline') {
      clean = false;
      opts.log.error({ deadlineMs }, 'graceful stop did not finish before its deadline');
    }
    const outcome = { reason, clean, durationMs: now() - start };
    opts.log.info(outcome, 'stopped');
    resolveStopped(outcome);
    return outcome;
  };

  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      opts.log.warn({ signal: sig }, 'second signal while stopping; exiting now');
      process.exit(1);
    }
    void lifecycle.stop(sig);
  };
  for (const sig of opts.signals ?? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[])) process.on(sig, onSignal);

  const lifecycle: Lifecycle = {
    signal: controller.signal,
    stopped,
    onStop(name, hook) {
      hooks.push({ name, hook });
    },
    stop(reason) {
      stopping ??= runHooks(reason);
      return stopping;
    },
  };
  return lifecycle;
}
