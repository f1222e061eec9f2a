import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Lifecycle, Logger, ProcessRunner } from '@homelab/core';

/**
 * Runs filestash as a child of `filestash-config run` (one entry point for zfs-web, like sshd under
 * sftp-config): its output goes to ours, it runs in its own folder (it finds `data/` there) with a
 * minimal environment (never our secrets), `restart()` replaces it after a changed render (filestash
 * reads config.json at start only), and filestash dying on its own stops the service with a failure
 * so the container restarts instead of serving nothing.
 */
export function superviseFilestash(opts: { runner: ProcessRunner; lifecycle: Lifecycle; log: Logger; binary: string; port: number }) {
  const { log, lifecycle } = opts;
  let failed = false;
  let stopping = false;
  let current: { controller: AbortController; exited: Promise<unknown>; running: boolean } | undefined;

  const start = () => {
    const controller = new AbortController();
    const child = opts.runner.start(opts.binary, [], {
      signal: controller.signal,
      timeoutMs: 0,
      killAfterMs: 5_000,
      cwd: dirname(opts.binary),
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp' },
      extendEnv: false,
      stdout: 'inherit',
      stderr: 'inherit',
      logLevel: 'info',
    });
    const entry = {
      controller,
      running: true,
      exited: child.then(
        (result) => result,
        (error: unknown) => error as { exitCode?: number; signal?: string },
      ),
    };
    current = entry;
    void entry.exited.then((result) => {
      entry.running = false;
      if (controller.signal.aborted || stopping) return;
      failed = true;
      const r = result as { exitCode?: number; signal?: string };
      log.error({ exitCode: r.exitCode, signal: r.signal }, 'filestash exited; stopping');
      void lifecycle.stop('filestash exited');
    });
  };

  start();
  lifecycle.onStop('filestash', async () => {
    stopping = true;
    current?.controller.abort();
    await current?.exited;
  });
  return {
    failed: () => failed,
    isRunning: () => current?.running ?? false,
    /** True when filestash accepts a TCP connection on loopback (it listens on every address). */
    listening: () =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: opts.port, timeout: 2_000 }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('timeout', () => socket.destroy(new Error('timeout')));
        socket.on('error', () => resolve(false));
      }),
    async restart() {
      if (stopping || !current) return;
      const old = current;
      old.controller.abort();
      await old.exited;
      if (!stopping) start();
      log.info('filestash restarted on the new config');
    },
  };
}
