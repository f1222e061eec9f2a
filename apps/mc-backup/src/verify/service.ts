import { join } from 'node:path';
import { type Clock, errorMessage, type Logger, RuntimeError } from '@homelab/core';
import type { ArchiveInfo, Borg } from '../ports.js';
import type { RunRecord } from '../state.js';
import { buildManifest, type Manifest } from './manifest.js';
import type { VerifyMetrics } from './metrics.js';
import { notifyVerifyFailure } from './notify.js';
import { type VerifyMode, verifyDue } from './policy.js';
import { verifyArchive } from './run.js';
import { assertArchiveName, createManifestStore, createVerifyState, type VerifyRecord } from './store.js';

export interface VerifySettings {
  mode: VerifyMode;
  /** Parent of the scratch folders (BACKUP_VERIFY_DIR). */
  scratchDir: string;
  stateDir: string;
  /** The staging folder whose manifest each run records; undefined with BACKUP_STAGING=none. */
  staging: string | undefined;
  archivePrefix: string;
  repo: string;
  notifyUrl: string | undefined;
}

export interface VerifyServiceDeps {
  extract(archive: string, dir: string, signal?: AbortSignal): Promise<void>;
  /** Every archive of the repository (for `latest`). */
  list(signal?: AbortSignal): Promise<ArchiveInfo[]>;
  clock: Clock;
  log: Logger;
  metrics?: VerifyMetrics;
}

/** Manifests at staging time, verification after runs (BACKUP_VERIFY) and on demand. Callers hold the run lock. */
export function createVerifyService(settings: VerifySettings, deps: VerifyServiceDeps) {
  const log = deps.log.child({ component: 'verify' });
  const manifests = createManifestStore(join(settings.stateDir, 'manifests'));
  const state = createVerifyState(join(settings.stateDir, 'verify.json'));

  const run = async (archive: string, archiveTime: number, signal?: AbortSignal): Promise<VerifyRecord> => {
    const record = await verifyArchive(
      { extract: deps.extract, manifests, scratchParent: settings.scratchDir, now: () => deps.clock.now(), log },
      archive,
      archiveTime,
      signal,
    );
    await state.write({ lastVerify: record });
    deps.metrics?.observe(record);
    if (!record.ok && settings.notifyUrl) await notifyVerifyFailure(settings.notifyUrl, settings.repo, record, log);
    return record;
  };

  return {
    async restoreMetrics(): Promise<void> {
      const last = (await state.read().catch(() => ({ lastVerify: null }))).lastVerify;
      if (last) deps.metrics?.observe(last, false);
    },

    /**
     * Wraps borg create: when borg archives the staging folder (after save-on), the manifest of
     * what it is about to read is taken first, and kept once the archive exists.
     */
    recordingCreate(create: Borg['create']): Borg['create'] {
      return async (archive, dir, signal) => {
        let manifest: Manifest | undefined;
        if (settings.staging && dir === settings.staging) {
          try {
            manifest = await buildManifest(dir, archive, deps.clock.now(), await manifests.latest());
          } catch (error) {
            log.warn({ error: errorMessage(error) }, 'could not record the staged manifest; verify will not compare checksums');
          }
        }
        const stats = await create(archive, dir, signal);
        if (manifest)
          await manifests.save(manifest).catch((error) => log.warn({ error: errorMessage(error) }, 'could not save the staged manifest'));
        return stats;
      };
    },

    /** After a run: forget the manifests of pruned archives, verify the new archive when BACKUP_VERIFY says so. */
    async afterRun(record: RunRecord, signal?: AbortSignal): Promise<VerifyRecord | undefined> {
      await manifests.remove(record.pruned ?? []).catch(() => {});
      if (record.status !== 'success' || !record.archive) return undefined;
      const last = (await state.read().catch(() => ({ lastVerify: null }))).lastVerify;
      if (!verifyDue(settings.mode, last ? last.at : undefined, deps.clock.now())) return undefined;
      return run(record.archive, record.startedAt, signal);
    },

    /** `mc-backup verify [ARCHIVE|latest]`. */
    async verify(archiveArg: string, signal?: AbortSignal): Promise<VerifyRecord> {
      if (archiveArg !== 'latest') assertArchiveName(archiveArg);
      const archives = await deps.list(signal);
      const found =
        archiveArg === 'latest'
          ? archives
              .filter((a) => a.name.startsWith(`${settings.archivePrefix}-`) && !a.name.endsWith('.checkpoint'))
              .sort((a, b) => b.time - a.time)[0]
          : archives.find((a) => a.name === archiveArg);
      if (!found) {
        throw new RuntimeError(
          archiveArg === 'latest'
            ? `no archive named ${settings.archivePrefix}-* in the repository`
            : `no archive named ${archiveArg} in the repository`,
          'NO_ARCHIVE',
        );
      }
      return run(found.name, found.time, signal);
    },
  };
}
export type VerifyService = ReturnType<typeof createVerifyService>;
