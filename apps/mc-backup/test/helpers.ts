import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRunner, silentLogger } from '@homelab/core';
import { makeTempDir } from '@homelab/testkit';
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
