import { connect } from 'node:net';
import { dirname } from 'node:path';
import { type Lifecycle, type Logger, type ProcessRunner, type SupervisedChild, superviseChild } from '@homelab/core';

/**
 * Runs filestash as a child of `filestash-config run` (core's supervisor; one entry point for zfs-web, like sshd under
 * sftp-config): its output goes to ours, it runs in its own folder (it finds `data/` there) with a
 * minimal environment (never our secrets), `restart()` replaces it after a changed render (filestash
 * reads config.json at start only), and filestash dying on its own stops the service with a failure
 * so the container restarts instead of serving nothing.
 */
export function superviseFilestash(opts: { runner: ProcessRunner; lifecycle: Lifecycle; log: Logger; binary: string; port: number }) {
  const { log, lifecycle } = opts;
  let failed = false;
  let stopping = false;
  let current: SupervisedChild | undefined;

  const start = () => {
    const child = superviseChild({
      runner: opts.runner,
      command: opts.binary,
      args: [],
      cwd: dirname(opts.binary),
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp' },
      extendEnv: false,
      log,
      name: 'filestash',
      killAfterMs: 5_000,
    });
    current = child;
    void child.exited.then((exit) => {
      // A child replaced by restart() or stopped with the service ended as asked.
      if (stopping || child !== current || lifecycle.signal.aborted) return;
      failed = true;
      log.error({ exitCode: exit.code, signal: exit.signal, durationMs: exit.durationMs }, 'filestash exited; stopping');
      void lifecycle.stop('filestash exited');
    });
  };

  start();
  lifecycle.onStop('filestash', async () => {
    stopping = true;
    await current?.stop();
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
      current = undefined;
      await old.stop();
      if (!stopping) start();
      log.info('filestash restarted on the new config');
    },
  };
}
