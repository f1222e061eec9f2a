import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Lifecycle, type Logger, type ProcessRunner, superviseChild, superviseService } from '@homelab/core';
import { parseSshdLine, type SshdEvent } from './sshd-log.js';

/** Makes the ed25519 host key on the first start (kept in a volume, so clients see the same key). */
export async function ensureHostKey(runner: ProcessRunner, keygen: string, path: string): Promise<void> {
  if (existsSync(path)) return;
  // 0755: the authorized_keys folder may live below it, and sshd reads those as the user (the key file is 0600).
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await runner.run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'zfs-ssh', '-f', path], { timeoutMs: 30_000, logLevel: 'info' });
}

/**
 * Runs `sshd -D -e -f CONFIG` as our child (core's supervisor): its log lines (stderr) become
 * events and log lines of ours; `reload()` sends SIGHUP (sshd re-executes itself with the new
 * config; open sessions are separate processes and keep running). sshd dying on its own stops the
 * service (exit 1).
 */
export function superviseSshd(opts: {
  runner: ProcessRunner;
  lifecycle: Lifecycle;
  log: Logger;
  sshd: string;
  config: string;
  onEvent: (event: SshdEvent) => void;
}) {
  const { log } = opts;
  let listening = false;
  const child = superviseChild({
    runner: opts.runner,
    command: opts.sshd,
    args: ['-D', '-e', '-f', opts.config],
    log,
    name: 'sshd',
    // sshd ends its stderr lines with \r\n (the splitter drops the \r).
    onLine: (line) => {
      if (line === '') return;
      const event = parseSshdLine(line);
      if (event.kind === 'listening') listening = true;
      log.info({ sshd: line }, 'sshd');
      opts.onEvent(event);
    },
    lineStreams: ['stderr'],
    killAfterMs: 5_000,
  });
  const service = superviseService(child, opts.lifecycle, log, 'sshd');
  return {
    pid: () => child.pid,
    isReady: () => child.running && listening,
    failed: service.failed,
    reload() {
      if (!child.running) return;
      listening = false;
      child.signal('SIGHUP');
    },
  };
}
