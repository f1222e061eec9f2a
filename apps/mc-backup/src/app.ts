import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  acquireLock,
  type Clock,
  type CommandDeps,
  errorMessage,
  isWithin,
  LockHeldError,
  type Logger,
  type Runner,
  RuntimeError,
  type ServiceDeps,
  type SidecarService,
} from '@homelab/core';
import { type BorgClient, createBorg } from './borg.js';
import { type EnvConfig, type Settings, toSettings } from './config.js';
import { startDaemon } from './daemon.js';
import { type BackupMetrics, createBackupMetrics } from './metrics.js';
import { createWebhookNotifier, type Notifier, noNotifier } from './notify.js';
import { childMarker, findOrphans, stopProcesses } from './orphans.js';
import type { ArchiveInfo, RconConnector, StateStore } from './ports.js';
import { createPresenceService } from './presence/service.js';
import { createRconConnector } from './rcon-adapter.js';
import { backupFreshness, savingResumed } from './readiness.js';
import { overlaps, realPathOf } from './restore-target.js';
import { type KeepRule, planRetention } from './retention.js';
import { createRsyncStager } from './rsync.js';
import { type ResumeResult, resumeIfPaused } from './save-on.js';
import { runBackup } from './sequence.js';
import { createStateStore, type RunRecord } from './state.js';
import { postWebhook } from './verify/notify.js';
import { createVerifyService } from './verify/service.js';

/** Another mc-backup holds the run lock: a second backup is refused, never queued. */
export class BusyError extends RuntimeError {
  override readonly name = 'BusyError';
  constructor(readonly holderPid: number) {
    super(`another backup is running (pid ${holderPid}); refusing to start a second one`, 'BUSY');
  }
}

export interface AppDeps {
  runner: Runner;
  log: Logger;
  clock: Clock;
  connector: RconConnector;
  notifier?: Notifier;
  metrics?: BackupMetrics;
  pid?: number;
}

export interface ListedArchive extends ArchiveInfo {
  /** Why prune keeps it, 'prune' when the next prune deletes it, 'other' when it is not ours. */
  retention: KeepRule | 'prune' | 'other';
}

export type BackupApp = ReturnType<typeof createBackupApp>;

/** Builds the orchestrator from settings and injected effects; main.ts wires the real ones. */
export function createBackupApp(settings: Settings, deps: AppDeps) {
  const { log, clock } = deps;
  const pid = deps.pid ?? process.pid;
  const metrics = deps.metrics;
  const notifier = deps.notifier ?? noNotifier;
  const childEnv = childMarker(settings.stateDir, pid);
  const state: StateStore = createStateStore(join(settings.stateDir, 'state.json'), () => clock.now(), log);
  const borg: BorgClient = createBorg(
    deps.runner,
    {
      bin: settings.borgBin,
      repo: settings.borg.repo,
      passphrase: settings.borg.passphrase,
      passcommand: settings.borg.passcommand,
      hostId: settings.borg.hostId,
      lockWaitSeconds: settings.lockWaitSeconds,
      compression: settings.compression,
      excludes: settings.excludes,
      archivePrefix: settings.archivePrefix,
      timeZone: settings.timeZone,
      timeoutMs: settings.borgTimeoutMs,
      killAfterMs: 4_000,
      childEnv,
    },
    log.child({ component: 'borg' }),
    { onLockBroken: () => metrics?.lockBroken() },
  );
  const stager = settings.staging
    ? createRsyncStager(deps.runner, {
        bin: settings.rsyncBin,
        source: settings.source,
        staging: settings.staging,
        excludes: settings.excludes,
        timeoutMs: settings.borgTimeoutMs,
        childEnv,
        markerPath: join(settings.stateDir, 'staging-unsafe-since'),
        now: () => clock.now(),
      })
    : undefined;
  const verifier = createVerifyService(
    {
      ...settings.verify,
      stateDir: settings.stateDir,
      staging: settings.staging,
      archivePrefix: settings.archivePrefix,
      repo: settings.borg.repo,
      notifyUrl: settings.notify?.url,
    },
    { extract: (a, d, s) => borg.extract(a, d, s), list: (s) => borg.list(s), clock, log, metrics: metrics?.verify },
  );
  const presence = createPresenceService(
    { ...settings.presence, stateDir: settings.stateDir, rconTimeoutMs: settings.rcon.timeoutMs },
    {
      connector: deps.connector,
      readState: () => state.read(),
      clock,
      log,
      onSkip: async (reason) => {
        metrics?.skipped();
        if (settings.notify?.on === 'always') {
          const body = {
            source: 'mc-backup',
            event: 'skip',
            repository: settings.borg.repo,
            trigger: 'scheduled',
            status: 'skipped',
            reason,
            at: clock.now(),
          };
          await postWebhook(settings.notify.url, body, log);
        }
      },
    },
  );
  const resumeOpts = { commandTimeoutMs: settings.rcon.timeoutMs, resumeTimeoutMs: settings.resumeTimeoutMs };
  const seqDeps = { connector: deps.connector, state, clock, log: log.child({ component: 'sequence' }) };

  const withRunLock = async <T>(fn: () => Promise<T>): Promise<T> => {
    await mkdir(settings.stateDir, { recursive: true });
    let lock: Awaited<ReturnType<typeof acquireLock>>;
    try {
      lock = await acquireLock(join(settings.stateDir, 'run.lock'), { pid });
    } catch (error) {
      if (error instanceof LockHeldError) throw new BusyError(error.holderPid);
      throw error;
    }
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  };

  /** Holding the run lock: stops the children a killed run left behind (rsync, borg). */
  const stopOrphans = async (): Promise<void> => {
    const orphans = await findOrphans(settings.stateDir, pid);
    if (orphans.length > 0) log.warn({ pids: orphans }, 'stopping children left behind by a killed run');
    await stopProcesses(orphans, 5_000, (ms) => clock.sleep(ms));
  };

  /** Holding the run lock: stop orphans of a killed run and send the save-on it owes. */
  const recoverHoldingLock = async (): Promise<ResumeResult | undefined> => {
    // save-on does not wait for the orphans: saving is back on within seconds of a restart.
    const stopping = stopOrphans().then(
      () => undefined,
      (error: unknown) => error,
    );
    const resumed = await resumeIfPaused(seqDeps, resumeOpts);
    if (resumed) metrics?.setPaused(!resumed.ok);
    const stopError = await stopping;
    if (stopError) throw stopError;
    if (resumed && !resumed.ok) throw new RuntimeError(`saving is still off: save-on could not be sent: ${resumed.error}`, 'RESUME_FAILED');
    return resumed;
  };

  /** Every archive, newest first, with the retention rule that keeps it (our prefix only). */
  const list = async (signal?: AbortSignal): Promise<ListedArchive[]> => {
    const archives = await borg.list(signal);
    const ours = archives.filter((a) => a.name.startsWith(`${settings.archivePrefix}-`));
    const decision = planRetention(ours, settings.keep, settings.timeZone);
    const rules = new Map(decision.keep.map((k) => [k.archive.name, k.rule]));
    return archives
      .map((a) => ({ ...a, retention: (rules.get(a.name) ?? (ours.includes(a) ? 'prune' : 'other')) as ListedArchive['retention'] }))
      .sort((a, b) => b.time - a.time);
  };

  return {
    state,
    borg,

    /** A paused flag or orphans left by a killed run: handled now (skipped when a run is in progress). */
    async recover(): Promise<ResumeResult | undefined | 'busy'> {
      try {
        return await withRunLock(recoverHoldingLock);
      } catch (error) {
        if (error instanceof BusyError) return 'busy';
        throw error;
      }
    },

    async backup(trigger: RunRecord['trigger'], signal: AbortSignal): Promise<RunRecord> {
      return withRunLock(async () => {
        // The run sends the save-on a killed run owed first (run-steps.ts), while its orphans stop.
        const leftovers = stopOrphans().catch((error) => log.warn({ error: errorMessage(error) }, 'recovery before the run failed'));
        const time = clock.now();
        const id = `${new Date(time).toISOString()}-${randomBytes(3).toString('hex')}`;
        const archive = `${settings.archivePrefix}-${new Date(time).toISOString()}`;
        log.info({ run: id, archive, trigger }, 'backup starting');
        metrics?.setPaused(false);
        const record = await runBackup(
          { ...seqDeps, borg: { ...borg, create: verifier.recordingCreate((a, d, s) => borg.create(a, d, s)) }, stager, leftovers },
          {
            id,
            trigger,
            archive,
            archiveDir: settings.staging ?? settings.source,
            keep: settings.keep,
            announce: settings.announce,
            commandTimeoutMs: settings.rcon.timeoutMs,
            flushTimeoutMs: settings.flushTimeoutMs,
            resumeTimeoutMs: settings.resumeTimeoutMs,
            signal,
            pid,
          },
        );
        metrics?.observe(record);
        metrics?.setPaused((await state.read()).paused !== null);
        const level = record.status === 'success' ? 'info' : 'error';
        log[level]({ run: record }, record.status === 'success' ? 'backup finished' : `backup ${record.status}`);
        await notifier.notify(record);
        await verifier
          .afterRun(record, signal)
          .catch((error) => log.error({ error: errorMessage(error) }, 'verification after the run failed'));
        return record;
      });
    },

    async check(signal: AbortSignal): Promise<{ ok: boolean; error?: string }> {
      return withRunLock(async () => {
        let result: { ok: boolean; error?: string };
        try {
          await borg.check(signal);
          result = { ok: true };
        } catch (error) {
          result = { ok: false, error: errorMessage(error) };
        }
        const at = clock.now();
        await state.update((s) => ({ ...s, lastCheck: { at, ...result } }));
        metrics?.checked(at, result.ok);
        if (result.ok) log.info('borg check passed');
        else log.error({ error: result.error }, 'borg check failed');
        return result;
      });
    },

    list,
    verifier,
    presence,

    /** `mc-backup verify`: extract an archive (or `latest`) into scratch and read it as the game would. */
    async verify(archive: string, signal?: AbortSignal) {
      return withRunLock(() => verifier.verify(archive, signal));
    },

    /** Extracts an archive (or `latest`) into an empty folder that is not the live world. */
    async restore(archiveArg: string, dirArg: string, signal?: AbortSignal): Promise<{ archive: string; dir: string }> {
      const dir = await realPathOf(dirArg);
      // Real paths and folder identities: a symlink, `..` after a symlink or a bind mount is still the world.
      const refuseOverlap = async () => {
        for (const [what, path] of [
          ['the live world', settings.source],
          ['the staging folder', settings.staging],
        ] as const) {
          if (path && (isWithin(dir, path) || isWithin(path, dir) || (await overlaps(dirArg, path)))) {
            throw new RuntimeError(
              `refusing to restore into ${dir}: it overlaps ${what} (${path}); restore into an empty folder`,
              'RESTORE_TARGET',
            );
          }
        }
      };
      await refuseOverlap();
      const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      if (existing.length > 0) {
        throw new RuntimeError(
          `refusing to restore into ${dir}: it is not empty (${existing.length} entries); restore into an empty folder`,
          'RESTORE_TARGET_NOT_EMPTY',
        );
      }
      let archive = archiveArg;
      if (archiveArg === 'latest') {
        const newest = (await list(signal)).find((a) => a.retention !== 'other' && !a.name.endsWith('.checkpoint'));
        if (!newest) throw new RuntimeError(`no archive named ${settings.archivePrefix}-* in the repository`, 'NO_ARCHIVE');
        archive = newest.name;
      }
      await mkdir(dir, { recursive: true });
      await refuseOverlap(); // again once it exists: a folder swapped in meanwhile is caught by its identity
      await borg.extract(archive, dir, signal);
      log.info({ archive, dir }, 'archive restored');
      return { archive, dir };
    },
  };
}

/** The orchestrator with the real effects, for the service and every one-shot command. */
export function backupAppFrom(deps: CommandDeps<EnvConfig>, metrics?: BackupMetrics) {
  const settings = toSettings(deps.config);
  const app = createBackupApp(settings, {
    runner: deps.runner,
    log: deps.log,
    clock: deps.clock,
    connector: createRconConnector(settings.rcon),
    notifier: settings.notify ? createWebhookNotifier({ ...settings.notify, repo: settings.borg.repo }, deps.log) : undefined,
    metrics,
  });
  return { settings, app };
}

/** The `run` service: the daemon (schedules, recovery) with readiness from the state file. */
export function buildMcBackup(deps: ServiceDeps<EnvConfig>): SidecarService {
  const metrics = createBackupMetrics(deps.registry);
  const { settings, app } = backupAppFrom(deps, metrics);
  const readState = () => app.state.read();
  return {
    checks: {
      backup: async () => backupFreshness(await readState(), deps.clock.now(), settings.maxAgeMs, await app.presence.freshSince()),
      saving: async () => savingResumed(await readState()),
    },
    start: async () => {
      metrics.fromState(await readState());
      await app.verifier.restoreMetrics();
      startDaemon(app, settings, deps.lifecycle, deps.log, deps.clock);
    },
  };
}
