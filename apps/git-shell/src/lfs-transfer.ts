import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type Logger, type ProcessRunner, RuntimeError, UsageError } from '@homelab/core';
import { checkRepoName, findRepo, showName } from '@homelab/git-pool';
import { serveLfsTransfer } from './lfs/server.js';

export interface LfsDeps {
  pool: string;
  home: string;
  runner: ProcessRunner;
  log: Logger;
  /** An external git-lfs-transfer program; undefined = the built-in server. */
  program: string | undefined;
  stdin: Readable;
  stdout: Writable;
}

/**
 * Resolves the path git-lfs asks for (`repos/x`, `/home/git/repos/x.git`) to a repo of the pool,
 * with the repo-name rules every other command applies: no `..`, nothing outside the pool, no dot
 * folders (the trash), a valid name, and never through a symlink (findRepo does not follow them).
 */
export async function resolveLfsRepo(deps: Pick<LfsDeps, 'pool' | 'home'>, path: string): Promise<string> {
  if (path.split('/').includes('..')) throw new UsageError(`refused path ${showName(path)}: the path contains ".."`);
  const absolute = resolve(isAbsolute(path) ? path : join(deps.home, path));
  const rel = relative(deps.pool, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new UsageError(`refused path ${showName(path)}: not inside the repo pool`);
  const check = checkRepoName(rel);
  if (!check.ok) throw new UsageError(`refused path ${showName(path)}: ${check.reason}`);
  const dir = await findRepo(deps.pool, check.name);
  if (dir === undefined) throw new RuntimeError(`no repo at "${path}"`, 'NO_SUCH_REPO');
  return dir;
}

/**
 * git-lfs (3.x) over SSH runs `git-lfs-transfer <path> upload|download` on the server; git-shell
 * only runs what is in ~/git-shell-commands/, so this command checks that the path names a repo of
 * the pool and serves the protocol itself (or hands the connection to an external program).
 */
export async function lfsTransfer(deps: LfsDeps, args: readonly string[]): Promise<number> {
  const [path, operation] = args;
  if (path === undefined || (operation !== 'upload' && operation !== 'download')) {
    throw new UsageError('usage: git-lfs-transfer <repo path> upload|download');
  }
  const dir = await resolveLfsRepo(deps, path);
  if (deps.program === undefined) {
    await serveLfsTransfer({ repoDir: dir, operation, input: deps.stdin, output: deps.stdout, log: deps.log });
    return 0;
  }
  const result = await deps.runner.start(deps.program, [dir, operation], {
    stdin: 'inherit',
    stdout: 'inherit',
    stderr: 'inherit',
    timeoutMs: 6 * 3600_000,
    logLevel: 'info',
  }).done;
  if (result.exitCode === undefined) {
    throw new RuntimeError(`"${deps.program}" could not be started (GIT_SHELL_LFS_TRANSFER)`, 'NO_LFS_TRANSFER');
  }
  return result.exitCode;
}
