import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRunner, silentLogger } from '@homelab/core';
import { appBundle, makeBorgRepo, makeTempDir, startProcess } from '@homelab/testkit';
import { type BorgSettings, createBorg } from '../src/borg.js';
import { createRsyncStager, type RsyncSettings } from '../src/rsync.js';

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

/** The stager with the real rsync (no exclusions unless given). */
export function testStager(settings: Pick<RsyncSettings, 'source' | 'staging' | 'markerPath'> & Partial<RsyncSettings>) {
  return createRsyncStager(createRunner({ log: silentLogger() }), {
    bin: 'rsync',
    excludes: [],
    timeoutMs: 30_000,
    childEnv: {},
    ...settings,
  });
}

/** Writes a small tree of files: `files` maps relative paths to contents. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
}

/** A world, a repository, a state dir; RCON points at a socket nobody listens on (bridge down). */
export async function setup(opts: { passphrase?: string } = {}) {
  const repo = await makeBorgRepo(opts);
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
