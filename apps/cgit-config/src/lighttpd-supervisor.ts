import type { Lifecycle, Logger, ProcessRunner } from '@homelab/core';

/**
 * Runs `lighttpd -D -f <config>` as a child of `cgit-config run`, so the git-web container has one
 * entry point: lighttpd's lines go to our stderr, a stop of the service stops it (SIGTERM through
 * the abort signal), and lighttpd dying on its own stops the service with a failure so the
 * container restarts instead of serving nothing.
 */
export function superviseLighttpd(opts: { runner: ProcessRunner; lifecycle: Lifecycle; log: Logger; binary: string; config: string }) {
  const { log, lifecycle } = opts;
  let running = false;
  let failed = false;
  const controller = new AbortController();
  const child = opts.runner.start(opts.binary, ['-D', '-f', opts.config], {
    signal: controller.signal,
    timeoutMs: 0,
    killAfterMs: 5_000,
    stdout: 'inherit',
    stderr: 'inherit',
    logLevel: 'info',
  });
  running = true;
  const exited = child.then(
    (result) => result,
    (error: unknown) => error as { exitCode?: number; signal?: string },
  );
  void exited.then((result) => {
    running = false;
    if (controller.signal.aborted) return;
    failed = true;
    log.error({ exitCode: result.exitCode, signal: (result as { signal?: string }).signal }, 'lighttpd exited; stopping');
    void lifecycle.stop('lighttpd exited');
  });
  lifecycle.onStop('lighttpd', async () => {
    controller.abort();
    await exited;
  });
  return { isRunning: () => running, failed: () => failed };
}
