/**
 * The backup stack as real processes: the fake Minecraft server writing its world, the real
 * rcon-bridge in front of it (backup socket), a real borg repository, and mc-backup runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  appBundle,
  type FakeMinecraft,
  makeTempDir,
  type StartedApp,
  startApp,
  startFakeMinecraft,
  startProcess,
  type TestProcess,
  verifyWorld,
  type WorldCheck,
} from '@homelab/testkit';

export interface BackupStack {
  mc: FakeMinecraft;
  bridge: StartedApp;
  dir: string;
  backupSocket: string;
  /** Env of an mc-backup process (add overrides per run). */
  env: Record<string, string>;
  /** Env for running borg directly against the repository. */
  borgEnv: NodeJS.ProcessEnv;
  stateFile: string;
}

/** Files the fake writes: `regions` region files, 3 maps, level.dat. */
export const worldFiles = (regions: number) => regions + 3 + 1;

export async function startBackupStack(
  opts: {
    mcArgs?: string[];
    env?: Record<string, string>;
    players?: string[];
    bridgeEnv?: (dir: string, mc: FakeMinecraft) => Record<string, string>;
  } = {},
): Promise<BackupStack> {
  const mc = await startFakeMinecraft({
    players: opts.players,
    // a small world written fast: a copy taken while saving is on would catch torn files
    args: ['--regions', '4', '--region-kib', '32', '--write-interval-ms', '10', '--write-gap-ms', '5', ...(opts.mcArgs ?? [])],
  });
  const dir = await makeTempDir('backup-stack-');
  const backupSocket = join(dir, 'backup.sock');
  const bridge = await startBridge(mc, dir, opts.bridgeEnv?.(dir, mc));
  const repo = join(dir, 'repo');
  // the same host id as mc-backup's default: stale locks it leaves are ours to clean up
  const borgEnv = { ...process.env, BORG_BASE_DIR: join(dir, 'borg-base'), BORG_REPO: repo, BORG_HOST_ID: 'mc-backup' };
  const init = spawnSync('borg', ['init', '--encryption', 'none'], { env: borgEnv, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`borg init failed: ${init.stderr}`);
  const stateDir = join(dir, 'state');
  const env = {
    BORG_BASE_DIR: join(dir, 'borg-base'),
    BORG_REPO: repo,
    BACKUP_SOURCE: mc.world,
    BACKUP_STAGING: join(dir, 'staging'),
    BACKUP_STATE_DIR: stateDir,
    BACKUP_RCON_SOCKET: backupSocket,
    BACKUP_LOCK_WAIT: '10s',
    LOG_LEVEL: 'debug',
    ...opts.env,
  };
  return { mc, bridge, dir, backupSocket, env, borgEnv, stateFile: join(stateDir, 'state.json') };
}

/** The rcon-bridge in front of the fake server, its backup socket at `<dir>/backup.sock` (also to restart it). */
export function startBridge(mc: FakeMinecraft, dir: string, extraEnv: Record<string, string> = {}): Promise<StartedApp> {
  return startApp('rcon-bridge', ['run'], {
    env: {
      RCON_HOST: '127.0.0.1',
      RCON_PORT: String(mc.port),
      RCON_PASSWORD_FILE: mc.passwordFile,
      BRIDGE_SOCKET: join(dir, 'rcon.sock'),
      BRIDGE_BACKUP_SOCKET: join(dir, 'backup.sock'),
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
  });
}

/** Starts `mc-backup <args>` (not waiting for it). */
export function startBackup(stack: BackupStack, args: string[], env: Record<string, string> = {}): TestProcess {
  return startProcess(process.execPath, [appBundle('mc-backup'), ...args], {
    env: { ...stack.env, ...env },
    label: `mc-backup ${args[0]}`,
  });
}

/** Runs `mc-backup <args>` to its end. */
export async function runBackupCli(stack: BackupStack, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000) {
  const proc = startBackup(stack, args, env);
  const exit = await proc.waitExit(timeoutMs);
  return { code: exit.code, proc };
}

/** The run record mc-backup logged at its end. */
export function finishedRun(proc: TestProcess): Record<string, unknown> | undefined {
  const line = proc.logs().find((l) => typeof l.msg === 'string' && /^backup (finished|failure|aborted)$/.test(l.msg));
  return line?.run as Record<string, unknown> | undefined;
}

export type SaveEvent = 'off' | 'flush-start' | 'flushed' | 'on';

/** What the fake server's log says about saving, in order. */
export function saveEvents(mc: FakeMinecraft, from = 0): SaveEvent[] {
  const events: SaveEvent[] = [];
  for (const line of mc.proc.stdout.slice(from)) {
    if (line.includes('[Rcon: Automatic saving is now disabled]')) events.push('off');
    else if (line.includes('[Rcon: Saving the game (this may take a moment!)]')) events.push('flush-start');
    else if (line.includes('[Rcon: Saved the game]')) events.push('flushed');
    else if (line.includes('[Rcon: Automatic saving is now enabled]')) events.push('on');
  }
  return events;
}

/** True unless the fake's last word on saving was save-off. */
export function savingIsOn(mc: FakeMinecraft): boolean {
  const toggles = saveEvents(mc).filter((e) => e === 'off' || e === 'on');
  return toggles.at(-1) !== 'off';
}

export function readState(stack: BackupStack): Record<string, unknown> {
  return JSON.parse(readFileSync(stack.stateFile, 'utf8'));
}

export function borg(stack: BackupStack, args: string[], cwd?: string): string {
  const result = spawnSync('borg', args, { env: stack.borgEnv, cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`borg ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

export function archiveNames(stack: BackupStack): string[] {
  return borg(stack, ['list', '--short']).split('\n').filter(Boolean);
}

/** Extracts one archive into a fresh temp dir and checks every region/map file's checksum trailer. */
export async function verifyArchive(stack: BackupStack, archive: string): Promise<WorldCheck> {
  const out = await makeTempDir('backup-verify-');
  borg(stack, ['extract', `::${archive}`], out);
  return verifyWorld(out);
}

/**
 * Verifies many archives, a few at a time: read-only extracts with --bypass-lock can run side by
 * side (nothing else touches the repository meanwhile).
 */
export async function verifyArchives(stack: BackupStack, names: string[], concurrency = 3): Promise<Map<string, WorldCheck>> {
  const results = new Map<string, WorldCheck>();
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const out = await makeTempDir('backup-verify-');
      const archive = name;
      await new Promise<void>((resolve, reject) => {
        const child = spawn('borg', ['extract', '--bypass-lock', `::${archive}`], {
          env: stack.borgEnv,
          cwd: out,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`borg extract ${archive} failed (${code}): ${stderr}`))));
      });
      results.set(archive, verifyWorld(out));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/**
 * Every borg lock (repository and cache) that is still on disk, with whether its process lives.
 * borg 1.2 releases its locks on SIGTERM, except when the signal lands in its start-up window:
 * then a lock naming our host id and the dead PID stays, and borg removes it at its next start.
 */
export function borgLocks(stack: BackupStack): { path: string; host: string; pid: number; alive: boolean }[] {
  const dirs = [join(stack.env.BORG_REPO, 'lock.exclusive')];
  const cache = join(stack.env.BORG_BASE_DIR, '.cache', 'borg');
  if (existsSync(cache)) for (const id of readdirSync(cache)) dirs.push(join(cache, id, 'lock.exclusive'));
  return dirs.flatMap((dir) =>
    existsSync(dir)
      ? readdirSync(dir).map((name) => {
          const m = /^(.*)\.(\d+)-[0-9a-f]+$/.exec(name);
          const pid = Number(m?.[2]);
          return { path: join(dir, name), host: m?.[1] ?? '?', pid, alive: isAlive(pid) };
        })
      : [],
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A tiny executable fixture: waits `seconds`, then runs the real program (a slow copy, say). The
 * first `skip` calls run at once (e.g. the pre-copy, so the paused copy is the slow one).
 */
export function slowProgram(stack: BackupStack, program: string, seconds: number, opts: { skip?: number } = {}): string {
  const path = join(stack.dir, `slow-${program}`);
  const counter = join(stack.dir, `slow-${program}.calls`);
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `echo x >> ${counter}`,
      `if [ "$(wc -l < ${counter})" -gt ${opts.skip ?? 0} ]; then`,
      // like a well-behaved program, it stops (with its sleep) on SIGTERM
      `  trap 'kill $! 2>/dev/null; exit 143' TERM`,
      `  sleep ${seconds} &`,
      '  wait $!',
      'fi',
      `exec ${program} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}
