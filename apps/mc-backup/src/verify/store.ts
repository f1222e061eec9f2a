import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createStateFile, RuntimeError, writeFileAtomic } from '@homelab/core';
import { z } from 'zod';
import type { Manifest } from './manifest.js';

/** Archive names that may become a file name: ours are PREFIX-<ISO time>; no slash, no leading dot. */
export const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$/;

export function assertArchiveName(name: string): void {
  if (!ARCHIVE_NAME.test(name)) {
    throw new RuntimeError(`not an archive name: ${JSON.stringify(name)} (expected letters, digits and . _ : + -)`, 'BAD_ARCHIVE_NAME');
  }
}

/** The staged manifests, one per archive, in BACKUP_STATE_DIR/manifests. */
export function createManifestStore(dir: string) {
  const path = (archive: string) => {
    assertArchiveName(archive);
    return join(dir, `${archive}.json`);
  };
  return {
    async save(manifest: Manifest): Promise<void> {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(path(manifest.archive), JSON.stringify(manifest), { mode: 0o600 });
    },
    async load(archive: string): Promise<Manifest | undefined> {
      try {
        return JSON.parse(await readFile(path(archive), 'utf8')) as Manifest;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    /** The newest manifest (archive names sort by time), whose hashes the next one may reuse. */
    async latest(): Promise<Manifest | undefined> {
      const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
      const last = names.at(-1);
      return last ? this.load(last.slice(0, -5)).catch(() => undefined) : undefined;
    },
    async remove(archives: string[]): Promise<void> {
      for (const archive of archives) if (ARCHIVE_NAME.test(archive)) await rm(path(archive), { force: true });
    },
  };
}
export type ManifestStore = ReturnType<typeof createManifestStore>;

export const verifyRecordSchema = z.object({
  at: z.number(),
  archive: z.string(),
  ok: z.boolean(),
  durationMs: z.number(),
  files: z.number(),
  regions: z.number(),
  chunks: z.number(),
  /** Whether the file set and checksums were compared with the manifest recorded at staging. */
  manifest: z.enum(['compared', 'none']),
  problems: z.array(z.object({ file: z.string(), problem: z.string() })),
});
export type VerifyRecord = z.infer<typeof verifyRecordSchema>;

const verifyStateSchema = z.object({ lastVerify: verifyRecordSchema.nullable() });

/** BACKUP_STATE_DIR/verify.json: the last verification (for `daily` and the metrics after a restart). */
export function createVerifyState(path: string) {
  return createStateFile(path, verifyStateSchema, { lastVerify: null });
}
