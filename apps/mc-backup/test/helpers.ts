import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRunner, silentLogger } from '@homelab/core';
import { appBundle, makeTempDir, startProcess } from '@homelab/testkit';
import { type BorgSettings, createBorg } from '../src/borg.js';

/** A fresh borg repository in a temp dir, with its own BORG_BASE_DIR (cache, keys, security). */
export async function makeRepo(opts: { passphrase?: string } = {}) {
  const dir = await makeTempDir('mc-backup-borg-');
  const repo = join(dir, 'repo');
  const base = join(dir, 'base');
  const env = { ...process.env, BORG_BASE_DIR: base, BORG_REPO: repo, BORG_PASSPHRASE: opts.passphrase ?? '' };
  const init = spawnSync('borg', ['init', '--encryption', opts.passphrase ? 'repokey-blake2' : 'none'], { env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`borg init failed: ${init.stderr}`);
  return { dir, repo, base, env };
}

export function borgSettings(repo: { repo: string; base: string }, overrides: Partial<BorgSettings> = {}): BorgSettings {
  return {
    bin: 'borg',
    repo: repo.repo,
    hostId: 'mc-backup-test',
    lockWaitSeconds: 1,
    compression: 'zstd,3',
    excludes: ['session.lock', '*.tmp'],
    archivePrefix: 'world',
    timeZone: 'UTC',
    timeoutMs: 60_000,
    killAfterMs: 4_000,
    childEnv: { BORG_BASE_DIR: repo.base },
    ...overrides,
  };
}

export function testBorg(repo: { repo: string; base: string }, overrides: Partial<BorgSettings> = {}, events = {}) {
  return createBorg(createRunner({ log: silentLogger() }), borgSettings(repo, overrides), silentLogger(), events);
}

/** Writes a small tree of files: `files` maps relative paths to contents. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
}

/** Runs borg directly (for set-up steps the wrapper does not offer, e.g. --timestamp). */
export function rawBorg(repo: { env: NodeJS.ProcessEnv }, args: string[], cwd?: string): string {
  const result = spawnSync('borg', args, { env: repo.env, cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`borg ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A world, a repository, a state dir; RCON points at a socket nobody listens on (bridge down). */
export async function setup(opts: { passphrase?: string } = {}) {
  const repo = await makeRepo(opts);
  const dir = await makeTempDir('mc-backup-cli-');
  const world = join(dir, 'world');
  writeTree(world, { 'region/r.0.0.mca': 'region zero', 'region/r.0.1.mca': 'region one', 'level.dat': 'level', 'session.lock': 'x' });
  const env = {
    BORG_BASE_DIR: repo.base,
    BORG_REPO: repo.repo,
    BACKUP_SOURCE: world,
    BACKUP_STAGING: join(dir, 'staging'),
    BACKUP_STATE_DIR: join(dir, 'state'),
    BACKUP_RCON_SOCKET: join(dir, 'no-bridge.sock'),
    BACKUP_LOCK_WAIT: '2s',
    LOG_LEVEL: 'debug',
  };
  return { repo, dir, world, env };
}

export async function cli(args: string[], env: Record<string, string>) {
  const proc = startProcess(process.execPath, [appBundle('mc-backup'), ...args], { env, label: `mc-backup ${args[0]}` });
  const exit = await proc.waitExit(60_000);
  return { code: exit.code, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n'), proc };
}

/** borg lock files (repository and cache) still on disk, and whether their process lives. */
export function borgLocks(repo: { repo: string; base: string }): { host: string; pid: number; alive: boolean }[] {
  const dirs = [join(repo.repo, 'lock.exclusive')];
  const cache = join(repo.base, '.cache', 'borg');
  if (existsSync(cache)) for (const id of readdirSync(cache)) dirs.push(join(cache, id, 'lock.exclusive'));
  return dirs.flatMap((dir) =>
    existsSync(dir)
      ? readdirSync(dir).map((name) => {
          const pid = Number(/\.(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
          let alive = true;
          try {
            process.kill(pid, 0);
          } catch {
            alive = false;
          }
          return { host: name.replace(/\.\d+-[0-9a-f]+$/, ''), pid, alive };
        })
      : [],
  );
}
