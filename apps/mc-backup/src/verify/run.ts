import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, type Logger } from '@homelab/core';
import { compareManifest } from './manifest.js';
import type { ManifestStore, VerifyRecord } from './store.js';
import { checkWorld } from './world-check.js';

export interface VerifierDeps {
  /** borg extract of an archive into an (empty) folder. */
  extract(archive: string, dir: string, signal?: AbortSignal): Promise<void>;
  manifests: ManifestStore;
  /** Where scratch folders are made (BACKUP_VERIFY_DIR); emptied of old scratch folders first. */
  scratchParent: string;
  now(): number;
  log: Logger;
}

/** A chunk timestamp later than the archive plus this is "in the future" (clock skew allowed). */
const FUTURE_SLACK_S = 24 * 3600;

/**
 * Extracts an archive into a scratch folder, reads the world as the game would, compares the file
 * set and checksums with the manifest recorded when the run staged it, and removes the scratch
 * folder (also on failure). Never throws for what it finds: problems go into the record.
 */
export async function verifyArchive(deps: VerifierDeps, archive: string, archiveTime: number, signal?: AbortSignal): Promise<VerifyRecord> {
  const t0 = deps.now();
  await mkdir(deps.scratchParent, { recursive: true, mode: 0o700 });
  // A killed verification leaves its scratch folder behind; the caller holds the run lock.
  for (const old of await readdir(deps.scratchParent)) {
    if (old.startsWith('scratch-')) await rm(join(deps.scratchParent, old), { recursive: true, force: true });
  }
  const scratch = await mkdtemp(join(deps.scratchParent, 'scratch-'));
  const record: VerifyRecord = {
    at: t0,
    archive,
    ok: false,
    durationMs: 0,
    files: 0,
    regions: 0,
    chunks: 0,
    manifest: 'none',
    problems: [],
  };
  try {
    try {
      await deps.extract(archive, scratch, signal);
    } catch (error) {
      signal?.throwIfAborted();
      record.problems.push({ file: '(archive)', problem: `borg extract failed: ${errorMessage(error)}` });
      return record;
    }
    const world = await checkWorld(scratch, { latestTimestamp: Math.floor(archiveTime / 1000) + FUTURE_SLACK_S });
    Object.assign(record, { files: world.files, regions: world.regions, chunks: world.chunks });
    record.problems.push(...world.problems);
    const manifest = await deps.manifests.load(archive);
    if (manifest) {
      record.manifest = 'compared';
      record.problems.push(...compareManifest(manifest, world.entries));
    }
    record.ok = record.problems.length === 0;
    return record;
  } finally {
    record.durationMs = deps.now() - t0;
    await rm(scratch, { recursive: true, force: true });
    const log = { archive, ok: record.ok, files: record.files, chunks: record.chunks, manifest: record.manifest, ms: record.durationMs };
    if (record.ok) deps.log.info(log, 'archive verified');
    else deps.log.error({ ...log, problems: record.problems.slice(0, 20) }, 'archive verification failed');
  }
}

/** The lines `mc-backup verify` prints: one summary, then one line per problem naming its file. */
export function formatVerify(record: VerifyRecord): string {
  const what = `${record.files} files, ${record.regions} region files, ${record.chunks} chunks`;
  const manifest = record.manifest === 'compared' ? 'file set and checksums equal the staged ones' : 'no staged manifest to compare';
  if (record.ok) return `verify ok: ${record.archive}: ${what}; ${manifest}\n`;
  return `verify FAILED: ${record.archive}: ${record.problems.length} problems (${what})\n${record.problems.map((p) => `  ${p.file}: ${p.problem}\n`).join('')}`;
}
