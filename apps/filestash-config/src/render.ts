import { readFileSync } from 'node:fs';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage, isWithin, parseYamlConfig, writeFileAtomic } from '@homelab/core';
import { type FilestashEnv, type Share, type SharesFile, sharesFileSchema } from './config.js';
import { sharePath } from './grammar.js';
import { type MountEntry, mountOf, parseMountinfo } from './mounts.js';
import { renderFilestashConfig } from './render-config.js';

export interface RenderOutcome {
  enabled: Share[];
  disabled: { share: string; line: string }[];
  /** The config text now on disk (the service restarts filestash when it differs from the last one). */
  text: string;
  written: boolean;
}

/** Reads and validates the shares YAML (throws ConfigError naming the key). */
export function loadSharesFile(path: string): SharesFile {
  return parseYamlConfig(sharesFileSchema, readFileSync(path, 'utf8'), path);
}

/** Thrown when nothing can be rendered: filestash keeps the last good config. */
export class RenderError extends Error {}

/**
 * Pure-ish policy per share, given its resolved path and mount: a share is enabled only when it is a
 * folder, does not resolve into the backup pool (symlinks included), and sits on a mount of its
 * access (a read-only share on a read-only mount; filestash itself has no read-only switch).
 */
export function shareProblem(
  share: Share,
  found: { real?: string; isDir: boolean; error?: string },
  mount: MountEntry | undefined,
  backupPool: readonly string[],
): string | undefined {
  if (found.error !== undefined) return `share ${share.name} disabled: ${found.error}`;
  if (!found.isDir || found.real === undefined) return `share ${share.name} disabled: not a folder`;
  const pool = backupPool.find((p) => isWithin(found.real as string, p) || isWithin(p, found.real as string));
  if (pool) return `share ${share.name} disabled: it resolves to ${found.real}, in the backup pool ${pool} (never exposed)`;
  if (!mount) return `share ${share.name} disabled: no mount found for ${found.real}`;
  if (share.access === 'ro' && !mount.readOnly) {
    return `share ${share.name} disabled: read-only, but ${found.real} is on the writable mount ${mount.mountPoint} (bind it read-only)`;
  }
  if (share.access === 'rw' && mount.readOnly) {
    return `share ${share.name} disabled: read-write, but ${found.real} is on the read-only mount ${mount.mountPoint} (bind it read-write)`;
  }
  return undefined;
}

/**
 * One render: the datastore must be a folder (else RenderError), every share is checked on the real
 * filesystem, and config.json is written atomically (0600: it holds the admin hash and the session
 * key) when its text changed: against `previous` (the service's last render; filestash rewrites the
 * file itself once it runs, and that is left alone until the declaration changes), else against
 * the file on disk.
 */
export async function renderAll(env: FilestashEnv, file: SharesFile, previous?: string): Promise<RenderOutcome> {
  const store = await stat(file.datastore).catch(() => undefined);
  if (!store?.isDirectory()) throw new RenderError(`the datastore ${file.datastore} is missing (is the bind mount there?)`);
  let mounts: MountEntry[];
  try {
    mounts = parseMountinfo(await readFile(env.FILESTASH_MOUNTINFO, 'utf8'));
  } catch (error) {
    throw new RenderError(`cannot read ${env.FILESTASH_MOUNTINFO}: ${errorMessage(error)}`);
  }
  const enabled: Share[] = [];
  const disabled: RenderOutcome['disabled'] = [];
  for (const share of file.shares) {
    const path = sharePath(file.datastore, share.path);
    let found: { real?: string; isDir: boolean; error?: string };
    try {
      const real = await realpath(path);
      found = { real, isDir: (await stat(real)).isDirectory() };
    } catch (error) {
      found = { isDir: false, error: (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${path} does not exist` : errorMessage(error) };
    }
    const problem = shareProblem(share, found, found.real ? mountOf(mounts, found.real) : undefined, file.backup_pool);
    if (problem) disabled.push({ share: share.name, line: problem });
    else enabled.push(share);
  }
  const text = renderFilestashConfig(file, enabled, {
    listenAddress: env.FILESTASH_LISTEN_ADDRESS,
    port: env.FILESTASH_PORT,
    adminHash: env.FILESTASH_ADMIN_HASH,
    secretKey: env.FILESTASH_SECRET_KEY,
  });
  const out = env.FILESTASH_CONFIG_OUT;
  const current = previous ?? (await readFile(out, 'utf8').catch(() => undefined));
  if (current === text) return { enabled, disabled, text, written: false };
  await mkdir(dirname(out), { recursive: true, mode: 0o700 });
  await writeFileAtomic(out, text, { mode: 0o600 });
  return { enabled, disabled, text, written: true };
}
