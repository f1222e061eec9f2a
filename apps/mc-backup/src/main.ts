import {
  type CliSpec,
  createLifecycle,
  createLogger,
  createMetricsRegistry,
  createRunner,
  type Logger,
  main,
  runService,
  systemClock,
  UsageError,
} from '@homelab/core';
import { createBackupApp } from './app.js';
import { envDocs, loadSettings } from './config.js';
import { startDaemon } from './daemon.js';
import { formatArchiveTable } from './format.js';
import { createBackupMetrics } from './metrics.js';
import { createWebhookNotifier } from './notify.js';
import { createRconConnector } from './rcon-adapter.js';
import { backupFreshness, savingResumed } from './readiness.js';
import { formatVerify } from './verify/run.js';

const NAME = 'mc-backup';

function build(
  env: Record<string, string | undefined>,
  opts: { logTo?: 'stdout' | 'stderr'; registry?: ReturnType<typeof createMetricsRegistry> } = {},
) {
  const { settings, secretValues } = loadSettings(env);
  const log = createLogger({
    name: NAME,
    level: settings.logLevel,
    secrets: secretValues,
    destination: opts.logTo === 'stderr' ? process.stderr : undefined,
  });
  const metrics = opts.registry ? createBackupMetrics(opts.registry) : undefined;
  const app = createBackupApp(settings, {
    runner: createRunner({ log }),
    log,
    clock: systemClock,
    connector: createRconConnector(settings.rcon),
    notifier: settings.notify ? createWebhookNotifier({ ...settings.notify, repo: settings.borg.repo }, log) : undefined,
    metrics,
  });
  return { settings, log, app, metrics };
}

/** One-shot commands stop cleanly on SIGTERM/SIGINT too (borg releases its lock, save-on is sent). */
async function oneShot<T>(log: Logger, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const lifecycle = createLifecycle({ log });
  try {
    return await work(lifecycle.signal);
  } finally {
    void lifecycle.stop('done');
  }
}

const cli: CliSpec = {
  name: NAME,
  summary: 'borg backups of the Minecraft world that pause world saving only for a staging copy',
  defaultCommand: 'run',
  env: envDocs,
  commands: {
    run: {
      summary: 'daemon: backups on BACKUP_SCHEDULE, optional borg check on BACKUP_CHECK_SCHEDULE',
      run: async ({ env }) => {
        const registry = createMetricsRegistry(NAME);
        const { settings, log, app, metrics } = build(env, { registry });
        const readState = () => app.state.read();
        return runService({
          name: NAME,
          log,
          healthListen: settings.healthListen,
          registry,
          checks: {
            backup: async () => backupFreshness(await readState(), Date.now(), settings.maxAgeMs, await app.presence.freshSince()),
            saving: async () => savingResumed(await readState()),
          },
          start: async ({ lifecycle }) => {
            metrics?.fromState(await readState());
            await app.verifier.restoreMetrics();
            startDaemon(app, settings, lifecycle, log, systemClock);
          },
        });
      },
    },
    now: {
      summary: 'one backup now (refused while another runs); exit 0 on success',
      run: async ({ env }) => {
        const { log, app } = build(env);
        const record = await oneShot(log, (signal) => app.backup('now', signal));
        return record.status === 'success' ? 0 : 1;
      },
    },
    list: {
      usage: 'list [--json]',
      summary: 'the archives, newest first, with the retention rule that keeps each',
      flags: { json: { type: 'boolean', description: 'print JSON instead of a table' } },
      run: async ({ env, flags }) => {
        const { app, log, settings } = build(env, { logTo: 'stderr' });
        const archives = await oneShot(log, (signal) => app.list(signal));
        process.stdout.write(flags.json ? `${JSON.stringify(archives, null, 2)}\n` : formatArchiveTable(archives, settings.timeZone));
        return 0;
      },
    },
    restore: {
      usage: 'restore ARCHIVE DIR',
      summary: 'extract ARCHIVE (or latest) into DIR, which must be empty and not the live world',
      run: async ({ env, args }) => {
        const [archive, dir, ...extra] = args;
        if (!archive || !dir || extra.length > 0) throw new UsageError('restore needs exactly two arguments: ARCHIVE DIR');
        const { app, log } = build(env, { logTo: 'stderr' });
        const result = await oneShot(log, (signal) => app.restore(archive, dir, signal));
        process.stdout.write(`restored ${result.archive} into ${result.dir}\n`);
        return 0;
      },
    },
    verify: {
      usage: 'verify [ARCHIVE|latest]',
      summary: 'extract ARCHIVE (default latest) into scratch and check the world loads: level.dat, regions, chunks, staged checksums',
      run: async ({ env, args }) => {
        const [archive = 'latest', ...extra] = args;
        if (extra.length > 0) throw new UsageError('verify takes at most one argument: ARCHIVE or latest');
        const { app, log } = build(env, { logTo: 'stderr', registry: createMetricsRegistry(NAME) });
        const record = await oneShot(log, (signal) => app.verify(archive, signal));
        process.stdout.write(formatVerify(record));
        return record.ok ? 0 : 1;
      },
    },
    check: {
      summary: 'borg check of the repository now (refused while a backup runs)',
      run: async ({ env }) => {
        const { app, log } = build(env);
        const result = await oneShot(log, (signal) => app.check(signal));
        return result.ok ? 0 : 1;
      },
    },
  },
};

main(cli);
