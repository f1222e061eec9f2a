import { isAbsolute, join, relative, sep } from 'node:path';
import type { ProcessRunner } from '@homelab/core';
import { isWithin } from '@homelab/core/safe-path';
import type { FsProbe } from './chroot-lint.js';
import { type Access, parseRsyncCommand } from './rsync-args.js';

/** Longest rsync run the gate allows (Node timers overflow past ~24.8 days). */
export const RSYNC_MAX_RUN_MS = 7 * 24 * 3600_000;

export interface GateOptions {
  root: string;
  access: Access;
  rsync: string;
  /** `$SSH_ORIGINAL_COMMAND` as sshd set it. */
  command: string | undefined;
}

/** The deepest existing ancestor of `path` (itself when it exists), resolved, plus what is left below it. */
function resolveExisting(path: string, probe: FsProbe): { real: string; rest: string } | undefined {
  let current = path;
  let rest = '';
  for (;;) {
    const real = probe.realpath(current);
    if (real !== undefined) return { real, rest };
    const cut = current.lastIndexOf('/');
    if (cut <= 0) return undefined;
    rest = rest === '' ? current.slice(cut + 1) : `${current.slice(cut + 1)}/${rest}`;
    current = current.slice(0, cut);
  }
}

/**
 * Decides, after resolving symlinks, whether every path of the request stays in the area.
 * Returns the rsync arguments to run (cwd = the resolved area) or the reason for refusing.
 */
export function confine(opts: GateOptions, probe: FsProbe): { cwd: string; args: string[] } | string {
  const request = parseRsyncCommand(opts.command, opts.access);
  if (typeof request === 'string') return request;
  const area = probe.realpath(opts.root);
  if (area === undefined) return 'your area does not exist';
  for (const path of request.paths) {
    const found = resolveExisting(join(area, path), probe);
    if (!found || !isWithin(found.real, area)) return `path "${path}" resolves outside your area`;
    const rel = relative(area, join(found.real, found.rest));
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return `path "${path}" resolves outside your area`;
  }
  return { cwd: area, args: request.args };
}

/** Runs rsync with the validated arguments on sshd's stdin/stdout; returns its exit code. */
export async function runGate(opts: GateOptions, probe: FsProbe, runner: ProcessRunner, stderr: (text: string) => void): Promise<number> {
  const decision = confine(opts, probe);
  if (typeof decision === 'string') {
    stderr(`sftp-config: refused: ${decision}\n`);
    return 1;
  }
  const child = runner.start(opts.rsync, decision.args, {
    cwd: decision.cwd,
    stdin: 'inherit',
    stdout: 'inherit',
    stderr: 'inherit',
    buffer: false,
    timeoutMs: RSYNC_MAX_RUN_MS,
    extendEnv: false,
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
  });
  const result = await child.done;
  return result.exitCode ?? 1;
}
