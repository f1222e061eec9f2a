import { isAbsolute, join, relative, resolve } from 'node:path';
import { type ProcessRunner, RuntimeError, UsageError } from '@homelab/core';
import { findRepo } from '@homelab/git-pool';

/**
 * git-lfs (3.x) over SSH runs `git-lfs-transfer <path> upload|download` on the server. git-shell
 * only runs what is in ~/git-shell-commands/, so this command checks that the path names a repo of
 * the pool and hands the connection to the server-side `git-lfs-transfer` program.
 */
export async function lfsTransfer(
  deps: { pool: string; home: string; runner: ProcessRunner; program: string },
  args: readonly string[],
): Promise<number> {
  const [path, operation, ...extra] = args;
  if (path === undefined || (operation !== 'upload' && operation !== 'download')) {
    throw new UsageError('usage: git-lfs-transfer <repo path> upload|download');
  }
  const absolute = resolve(isAbsolute(path) ? path : join(deps.home, path));
  const rel = relative(deps.pool, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`refused path "${path}": not inside the repo pool`);
  const dir = await findRepo(deps.pool, rel.replace(/\.git$/, ''));
  if (dir === undefined) throw new RuntimeError(`no repo at "${path}"`, 'NO_SUCH_REPO');
  const child = deps.runner.start(deps.program, [dir, operation, ...extra], {
    stdin: 'inherit',
    stdout: 'inherit',
    stderr: 'inherit',
    timeoutMs: 6 * 3600_000,
    logLevel: 'info',
  });
  const result = await child.catch((error: unknown) => error as { exitCode?: number; code?: string });
  if ((result as { code?: string }).code === 'ENOENT' || (result as { failed?: boolean; exitCode?: number }).exitCode === undefined) {
    throw new RuntimeError(
      `"${deps.program}" could not be started: LFS over SSH needs a git-lfs-transfer server program installed in the git-ssh image`,
      'NO_LFS_TRANSFER',
    );
  }
  return (result as { exitCode?: number }).exitCode ?? 1;
}
