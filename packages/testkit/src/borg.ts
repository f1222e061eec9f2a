/**
 * A real borg repository for tests (mc-backup's own tests and the cross-service backup stack): a
 * fresh one with its own BORG_BASE_DIR, borg run directly for what the code under test does not
 * offer, and the locks left on disk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@homelab/core';
import { makeTempDir } from '@homelab/testkit-base';

export interface BorgRepo {
  dir: string;
  repo: string;
  /** BORG_BASE_DIR: cache, keys, security. */
  base: string;
  /** For running borg directly against the repository. */
  env: NodeJS.ProcessEnv;
}

/** `borg init` in `<dir>/repo` (a new temp dir unless given); encrypted (repokey-blake2) with a passphrase. */
export async function makeBorgRepo(opts: { dir?: string; passphrase?: string; hostId?: string } = {}): Promise<BorgRepo> {
  const dir = opts.dir ?? (await makeTempDir('borg-repo-'));
  const repo = join(dir, 'repo');
  const base = join(dir, 'borg-base');
  const env: NodeJS.ProcessEnv = { ...process.env, BORG_BASE_DIR: base, BORG_REPO: repo, BORG_PASSPHRASE: opts.passphrase ?? '' };
  if (opts.hostId) env.BORG_HOST_ID = opts.hostId;
  runBorg({ env }, ['init', '--encryption', opts.passphrase ? 'repokey-blake2' : 'none']);
  return { dir, repo, base, env };
}

/** Runs borg directly; its stdout, or an error with its stderr. */
export function runBorg(repo: { env: NodeJS.ProcessEnv }, args: string[], cwd?: string): string {
  const result = spawnSync('borg', args, { env: repo.env, cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`borg ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/**
 * Every borg lock (repository and cache) still on disk, with whether its process lives. borg 1.2
 * releases its locks on SIGTERM, except when the signal lands in its start-up window: then a lock
 * naming its host id and the dead PID stays, and borg removes it at its next start.
 */
export function borgLocks(repo: { repo: string; base: string }): { path: string; host: string; pid: number; alive: boolean }[] {
  const dirs = [join(repo.repo, 'lock.exclusive')];
  const cache = join(repo.base, '.cache', 'borg');
  if (existsSync(cache)) for (const id of readdirSync(cache)) dirs.push(join(cache, id, 'lock.exclusive'));
  return dirs.flatMap((dir) =>
    existsSync(dir)
      ? readdirSync(dir).map((name) => {
          const m = /^(.*)\.(\d+)-[0-9a-f]+$/.exec(name);
          const pid = Number(m?.[2]);
          return { path: join(dir, name), host: m?.[1] ?? '?', pid, alive: isProcessAlive(pid) };
        })
      : [],
  );
}
