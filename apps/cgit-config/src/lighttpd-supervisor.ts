import { type Lifecycle, type Logger, type ProcessRunner, superviseChild, superviseService } from '@homelab/core';

/**
 * Runs `lighttpd -D -f <config>` as a child of `cgit-config run` (core's supervisor), so the
 * git-web container has one entry point: lighttpd's lines go to our stderr, a stop of the service
 * stops it (SIGTERM, then SIGKILL), and lighttpd dying on its own stops the service with a failure
 * so the container restarts instead of serving nothing.
 */
export function superviseLighttpd(opts: { runner: ProcessRunner; lifecycle: Lifecycle; log: Logger; binary: string; config: string }) {
  const child = superviseChild({
    runner: opts.runner,
    command: opts.binary,
    args: ['-D', '-f', opts.config],
    log: opts.log,
    name: 'lighttpd',
    killAfterMs: 5_000,
  });
  const service = superviseService(child, opts.lifecycle, opts.log, 'lighttpd');
  return { isRunning: () => child.running, failed: service.failed };
}
