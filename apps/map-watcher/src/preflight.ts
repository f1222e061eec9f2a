import { constants } from 'node:fs';
import { access, lstat, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { ConfigError, type ConfigIssue, errorMessage } from '@homelab/core';
import type { ReleaseLayout } from '@homelab/releases';
import type { MapWatcherConfig } from './config.js';

/** The renderer's absolute path: a path is checked, a bare name is looked up on PATH. */
export async function resolveExecutable(name: string, pathEnv: string | undefined): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name]
    : (pathEnv ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      const st = await stat(candidate);
      await access(candidate, constants.X_OK);
      if (st.isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

async function probeWritable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const probe = join(dir, `.map-watcher-probe-${process.pid}`);
  await writeFile(probe, '');
  await rm(probe, { force: true });
}

/**
 * Checks at start what would otherwise fail at the first render: every problem becomes one
 * ConfigError (exit 2) naming the setting.
 */
export async function preflight(
  config: MapWatcherConfig,
  layout: ReleaseLayout,
  pathEnv: string | undefined,
): Promise<{ renderer: string }> {
  const issues: ConfigIssue[] = [];
  try {
    if (!(await stat(config.MAP_WORLD)).isDirectory()) issues.push({ key: 'MAP_WORLD', problem: `${config.MAP_WORLD} is not a folder` });
  } catch (error) {
    issues.push({
      key: 'MAP_WORLD',
      problem: `cannot read the world folder ${config.MAP_WORLD}: ${errorMessage(error)}`,
      expected: 'an existing folder',
    });
  }
  const renderer = await resolveExecutable(config.MAP_RENDERER, pathEnv);
  if (!renderer) {
    const where = config.MAP_RENDERER.includes('/') ? 'is not an executable file' : 'was not found on PATH';
    issues.push({
      key: 'MAP_RENDERER',
      problem: `renderer "${config.MAP_RENDERER}" ${where}`,
      expected: 'an executable taking WORLD OUTPUT',
    });
  }
  try {
    const st = await lstat(layout.output).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (st && !st.isSymbolicLink()) {
      issues.push({
        key: 'MAP_OUTPUT',
        problem: `${layout.output} exists and is not a symlink`,
        expected: 'a path map-watcher owns (it becomes a symlink to the current release); move the old folder away',
      });
    } else {
      await probeWritable(dirname(layout.output));
      await probeWritable(layout.releasesDir);
    }
  } catch (error) {
    issues.push({
      key: 'MAP_OUTPUT',
      problem: `cannot be written: ${errorMessage(error)}`,
      expected: 'a writable folder for the map and its releases',
    });
  }
  try {
    await probeWritable(config.MAP_STAGING);
  } catch (error) {
    issues.push({ key: 'MAP_STAGING', problem: `cannot be written: ${errorMessage(error)}`, expected: 'a writable folder' });
  }
  if (issues.length > 0 || !renderer) throw new ConfigError(issues);
  return { renderer };
}
