import { readFile } from 'node:fs/promises';
import { errorMessage, type Logger, RuntimeError, writeFileAtomic } from '@homelab/core';
import { scanPool } from '@homelab/git-pool';
import { type CgitrcSettings, renderCgitrc } from './render-cgitrc.js';
import { type LighttpdSettings, renderLighttpd } from './render-lighttpd.js';

export interface RenderTargets {
  pool: string;
  cgitrcOut: string;
  cgitrc: CgitrcSettings;
  /** Where the lighttpd config goes; not written when undefined. */
  lighttpdOut?: string;
  lighttpd: LighttpdSettings;
}

export interface RenderResult {
  repos: number;
  public: number;
  skipped: number;
  /** Whether the cgitrc on disk changed. */
  changed: boolean;
  durationMs: number;
}

/** Writes `text` atomically unless the file already holds exactly it (so cgit never sees a needless swap). */
export async function writeIfChanged(path: string, text: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) return false;
  await writeFileAtomic(path, text, { mode: 0o644 });
  return true;
}

/** Scans the pool and rewrites cgitrc (and the lighttpd config) when their content changes. */
export async function renderOnce(t: RenderTargets, log: Logger, warned = new Set<string>()): Promise<RenderResult> {
  const started = performance.now();
  const scan = await scanPool(t.pool).catch((error: unknown) => {
    throw new RuntimeError(`cannot scan the pool ${t.pool}: ${errorMessage(error)}`, 'POOL_UNREADABLE', { cause: error });
  });
  for (const skip of scan.skipped) {
    const key = `${skip.path}\n${skip.reason}`;
    if (warned.has(key)) continue;
    warned.add(key);
    log.warn({ path: skip.path, reason: skip.reason }, 'skipped a folder of the pool');
  }
  const changed = await writeIfChanged(t.cgitrcOut, renderCgitrc(scan.repos, t.cgitrc));
  if (t.lighttpdOut !== undefined) {
    if (await writeIfChanged(t.lighttpdOut, renderLighttpd(t.lighttpd))) log.info({ path: t.lighttpdOut }, 'lighttpd config written');
  }
  const result = {
    repos: scan.repos.length,
    public: scan.repos.filter((r) => !r.private).length,
    skipped: scan.skipped.length,
    changed,
    durationMs: Math.round(performance.now() - started),
  };
  log[changed ? 'info' : 'debug']({ ...result, path: t.cgitrcOut }, changed ? 'cgitrc written' : 'cgitrc unchanged');
  return result;
}
