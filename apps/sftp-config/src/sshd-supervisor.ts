import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Lifecycle, type Logger, onLines, type ProcessRunner } from '@homelab/core';
import { parseSshdLine, type SshdEvent } from './sshd-log.js';

/** Makes the ed25519 host key on the first start (kept in a volume, so clients see the same key). */
export async function ensureHostKey(runner: ProcessRunner, keygen: string, path: string): Promise<void> {
  if (existsSync(path)) return;
  // 0755: the authorized_keys folder may live below it, and sshd reads those as the user (the key file is 0600).
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await runner.run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'zfs-ssh', '-f', path], { timeoutMs: 30_000, logLevel: 'info' });
}

/**
 * Runs `sshd -D -e -f CONFIG` as our child: its log lines (stderr) become events and log lines of
 * ours; `reload()` sends SIGHUP (sshd re-executes itself with the new config; open sessions are
 * separate processes and keep running). sshd dying on its own stops the service (exit 1).
 */
export function superviseSshd(opts: {
  runner: ProcessRunner;
  lifecycle: Lifecycle;
  log: Logger;
  sshd: string;
  config: string;
  onEvent: (event: SshdEvent) => void;
}) {
  const { log, lifecycle } = opts;
  const controller = new AbortController();
  let listening = false;
  let failed = false;
  const child = opts.runner.start(opts.sshd, ['-D', '-e', '-f', opts.config], {
    signal: controller.signal,
    timeoutMs: 0,
    killAfterMs: 5_000,
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: false,
    logLevel: 'info',
  });
  // sshd ends its stderr lines with \r\n (the splitter drops the \r).
  onLines(child.stderr, (line) => {
    if (line === '') return;
    const event = parseSshdLine(line);
    if (event.kind === 'listening') listening = true;
    log.info({ sshd: line }, 'sshd');
    opts.onEvent(event);
  });
  const exited = child.then(
    (result) => result,
    (error: unknown) => error as { exitCode?: number; signal?: string },
  );
  let running = true;
  void exited.then((result) => {
    running = false;
    if (controller.signal.aborted) return;
    failed = true;
    log.error({ exitCode: result.exitCode, signal: (result as { signal?: string }).signal }, 'sshd exited; stopping');
    void lifecycle.stop('sshd exited');
  });
  lifecycle.onStop('sshd', async () => {
    controller.abort();
    await exited;
  });
  return {
    pid: () => child.pid,
    isReady: () => running && listening,
    failed: () => failed,
    reload() {
      if (!running || child.pid === undefined) return;
      listening = false;
      process.kill(child.pid, 'SIGHUP');
    },
  };
}
