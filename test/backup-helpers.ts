/**
 * The backup stack as real processes: the fake Minecraft server writing its world, the real
 * rcon-bridge in front of it (backup socket), a real borg repository, and mc-backup runs.
 */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  appBundle,
  type BorgRepo,
  closeAfter,
  type FakeMinecraft,
  makeBorgRepo,
  makeTempDir,
  runBorg,
  type StartedApp,
  startApp,
  startFakeMinecraft,
  startProcess,
  type TestProcess,
  verifyWorld,
  type WorldCheck,
  waitFor,
} from '@homelab/testkit';

export interface BackupStack {
  mc: FakeMinecraft;
  bridge: StartedApp;
  dir: string;
  backupSocket: string;
  /** Env of an mc-backup process (add overrides per run). */
  env: Record<string, string>;
  /** The real borg repository (its `env` runs borg directly against it). */
  repo: BorgRepo;
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
  // the same host id as mc-backup's default: stale locks it leaves are ours to clean up
  const repo = await makeBorgRepo({ dir, hostId: 'mc-backup' });
  const stateDir = join(dir, 'state');
  const env = {
    BORG_BASE_DIR: repo.base,
    BORG_REPO: repo.repo,
    BACKUP_SOURCE: mc.world,
    BACKUP_STAGING: join(dir, 'staging'),
    BACKUP_STATE_DIR: stateDir,
    BACKUP_RCON_SOCKET: backupSocket,
    BACKUP_LOCK_WAIT: '10s',
    LOG_LEVEL: 'debug',
    ...opts.env,
  };
  return { mc, bridge, dir, backupSocket, env, repo, stateFile: join(stateDir, 'state.json') };
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

export function archiveNames(stack: BackupStack): string[] {
  return runBorg(stack.repo, ['list', '--short']).split('\n').filter(Boolean);
}

/** Extracts one archive into a fresh temp dir and checks every region/map file's checksum trailer. */
export async function verifyArchive(stack: BackupStack, archive: string): Promise<WorldCheck> {
  const out = await makeTempDir('backup-verify-');
  runBorg(stack.repo, ['extract', `::${archive}`], out);
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
          env: stack.repo.env,
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
 * A tiny executable fixture: waits `seconds`, then runs the real program (a slow copy, say). The
 * first `skip` calls run at once (e.g. the pre-copy, so the paused copy is the slow one).
 */
export function slowProgram(stack: BackupStack, program: string, seconds: number, opts: { skip?: number } = {}): string {
  const path = join(stack.dir, `slow-${program}`);
  const counter = join(stack.dir, `slow-${program}.calls`);
  const sleeps = join(stack.dir, `slow-${program}.sleeps`);
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `echo x >> ${counter}`,
      `if [ "$(wc -l < ${counter})" -gt ${opts.skip ?? 0} ]; then`,
      // Like a well-behaved program, it stops (with its sleep) on SIGTERM. The sleep starts before
      // the trap, so the trap always has its PID; a SIGTERM before the trap leaves it behind, so it
      // holds none of the caller's pipes (else the caller waits for it) and the test stops it by PID.
      `  sleep ${seconds} </dev/null >/dev/null 2>&1 &`,
      '  pid=$!',
      `  echo $pid >> ${sleeps}`,
      `  trap 'kill $pid 2>/dev/null; exit 143' TERM`,
      '  wait $pid',
      'fi',
      `exec ${program} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  closeAfter(() => {
    let pids: number[] = [];
    try {
      pids = readFileSync(sleeps, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // it never slept
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  return path;
}

/**
 * Env of a run whose paused copy takes `seconds`: the pre-copy (saving still on) runs at once, and
 * an exclusion with a slash leaves the paused catch-up to rsync, the slow fixture.
 */
export function slowPausedCopy(stack: BackupStack, seconds: number): Record<string, string> {
  return { BACKUP_RSYNC_BIN: slowProgram(stack, 'rsync', seconds, { skip: 1 }), BACKUP_EXCLUDE: 'cache/*.tmp' };
}

/** Waits until that run's paused copy started (the second rsync: saving is off now). */
export async function pausedCopyStarted(proc: { stdout: string[] }, timeoutMs = 30_000): Promise<void> {
  const rsyncs = () => proc.stdout.filter((l) => l.includes('slow-rsync') && l.includes('process start')).length;
  await waitFor(() => rsyncs() === 2, { timeoutMs, what: 'the paused copy to start' });
}
