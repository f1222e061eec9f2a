import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@homelab/core';

/** The files written into ~/git-shell-commands/: each runs one command of the bundled app. */
export const SHELL_COMMANDS = ['ls', 'mk', 'rm', 'restore', 'trash', 'private', 'public', 'describe', 'help', 'git-lfs-transfer'] as const;

export interface InstallOptions {
  dir: string;
  node: string;
  bundle: string;
  /** Baked in as the default pool; the environment can still override it. */
  repos: string;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Pure: the wrapper script of one command. Arguments go after `--` so none is taken as a flag. */
export function wrapperScript(command: (typeof SHELL_COMMANDS)[number], opts: Omit<InstallOptions, 'dir'>): string {
  const appCommand = command === 'git-lfs-transfer' ? 'lfs-transfer' : command;
  return [
    '#!/bin/sh',
    `# Written by "git-shell install-commands": the git-shell command "${command}".`,
    `GIT_SHELL_REPOS="\${GIT_SHELL_REPOS:-${opts.repos.replace(/["$`\\]/g, '\\$&')}}"`,
    'export GIT_SHELL_REPOS',
    `exec ${quote(opts.node)} ${quote(opts.bundle)} ${appCommand} -- "$@"`,
    '',
  ].join('\n');
}

export async function installCommands(opts: InstallOptions): Promise<string[]> {
  await mkdir(opts.dir, { recursive: true, mode: 0o755 });
  const written: string[] = [];
  for (const command of SHELL_COMMANDS) {
    const path = join(opts.dir, command);
    await writeFileAtomic(path, wrapperScript(command, opts), { mode: 0o755 });
    await chmod(path, 0o755);
    written.push(path);
  }
  return written;
}
