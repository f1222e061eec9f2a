import { type SidecarDefinition, UsageError } from '@homelab/core';
import { backupAppFrom, buildMcBackup } from './app.js';
import { type envSchema, mcBackupEnv } from './config.js';
import { formatArchiveTable } from './format.js';
import { formatVerify } from './verify/run.js';

/** One-shot commands are `stoppable`: SIGTERM/SIGINT abort them safely (borg releases its lock, save-on is sent). */
export const mcBackup: SidecarDefinition<typeof envSchema> = {
  name: 'mc-backup',
  summary: 'borg backups of the Minecraft world that pause world saving only for a staging copy',
  env: mcBackupEnv,
  service: {
    summary: 'daemon: backups on BACKUP_SCHEDULE, optional borg check on BACKUP_CHECK_SCHEDULE',
    build: buildMcBackup,
  },
  commands: {
    now: {
      summary: 'one backup now (refused while another runs); exit 0 on success',
      stoppable: true,
      run: async (deps) => {
        const record = await backupAppFrom(deps).app.backup('now', deps.signal);
        return record.status === 'success' ? 0 : 1;
      },
    },
    list: {
      usage: 'list [--json]',
      summary: 'the archives, newest first, with the retention rule that keeps each',
      flags: { json: { type: 'boolean', description: 'print JSON instead of a table' } },
      logTo: 'stderr',
      stoppable: true,
      run: async (deps) => {
        const { app, settings } = backupAppFrom(deps);
        const archives = await app.list(deps.signal);
        deps.io.stdout(deps.flags.json ? `${JSON.stringify(archives, null, 2)}\n` : formatArchiveTable(archives, settings.timeZone));
        return 0;
      },
    },
    restore: {
      usage: 'restore ARCHIVE DIR',
      summary: 'extract ARCHIVE (or latest) into DIR, which must be empty and not the live world',
      logTo: 'stderr',
      stoppable: true,
      run: async (deps) => {
        const [archive, dir, ...extra] = deps.args;
        if (!archive || !dir || extra.length > 0) throw new UsageError('restore needs exactly two arguments: ARCHIVE DIR');
        const result = await backupAppFrom(deps).app.restore(archive, dir, deps.signal);
        deps.io.stdout(`restored ${result.archive} into ${result.dir}\n`);
        return 0;
      },
    },
    verify: {
      usage: 'verify [ARCHIVE|latest]',
      summary: 'extract ARCHIVE (default latest) into scratch and check the world loads: level.dat, regions, chunks, staged checksums',
      logTo: 'stderr',
      stoppable: true,
      run: async (deps) => {
        const [archive = 'latest', ...extra] = deps.args;
        if (extra.length > 0) throw new UsageError('verify takes at most one argument: ARCHIVE or latest');
        const record = await backupAppFrom(deps).app.verify(archive, deps.signal);
        deps.io.stdout(formatVerify(record));
        return record.ok ? 0 : 1;
      },
    },
    check: {
      summary: 'borg check of the repository now (refused while a backup runs)',
      stoppable: true,
      run: async (deps) => ((await backupAppFrom(deps).app.check(deps.signal)).ok ? 0 : 1),
    },
  },
};
