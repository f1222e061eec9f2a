import { parseArgs } from 'node:util';
import type { Logger } from '@homelab/core';
// Only the exec wrapper, not the core's index: this path runs once per rsync login (see main.ts).
import { createRunner } from '@homelab/core/exec';
import { checkAbsolutePath } from '@homelab/core/safe-path';
import { realFsProbe } from './fs-probe.js';
import { runGate } from './rsync-gate.js';

export interface GateFlags {
  root?: string;
  access?: string;
  rsync?: string;
}

/** stdout is rsync's protocol stream: the gate logs nothing at all (its refusals go to stderr). */
const silent = {
  child: () => silent,
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
} as unknown as Logger;

/** Validates the flags sshd_config passes, then runs the gate. Exit codes: rsync's, 1 refused, 2 usage. */
export async function runGateCommand(
  flags: GateFlags,
  env: Record<string, string | undefined>,
  stderr: (t: string) => void,
): Promise<number> {
  const root = flags.root ?? '';
  const rsync = flags.rsync ?? '/usr/bin/rsync';
  const usage = (text: string) => {
    stderr(`sftp-config rsync-gate: ${text}\n`);
    return 2;
  };
  if (checkAbsolutePath(root) !== undefined || root === '/') return usage('--root: expected an absolute path');
  if (flags.access !== 'ro' && flags.access !== 'rw') return usage('--access: expected ro or rw');
  if (checkAbsolutePath(rsync) !== undefined) return usage('--rsync: expected an absolute path');
  const runner = createRunner({ log: silent });
  return runGate({ root, access: flags.access, rsync, command: env.SSH_ORIGINAL_COMMAND }, realFsProbe, runner, stderr);
}

/** The fast path of main.ts: `rsync-gate --root DIR --access ro|rw [--rsync PATH]`. */
export async function gateFromArgv(argv: string[], env: Record<string, string | undefined>, stderr: (t: string) => void): Promise<number> {
  let flags: GateFlags;
  try {
    flags = parseArgs({
      args: argv,
      options: { root: { type: 'string' }, access: { type: 'string' }, rsync: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    stderr(`sftp-config rsync-gate: ${(error as Error).message}\n`);
    return 2;
  }
  return runGateCommand(flags, env, stderr);
}
