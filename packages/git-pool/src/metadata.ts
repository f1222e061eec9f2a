import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '@homelab/core';
import { configBool, type GitConfig, parseGitConfig } from './git-config.js';

/**
 * The one place a repo's web metadata lives: its own `config` file. The keys are the ones cgit
 * itself maps when it scans (`cgit.ignore` hides a repo completely, `gitweb.description` and
 * `gitweb.owner` become repo.desc and repo.owner), so a hand-run cgit with scan-path agrees.
 * git-shell writes them with real `git config`; cgit-config reads them with parseGitConfig, which
 * reads what git reads (or refuses the file).
 */
export const META_KEYS = {
  private: 'cgit.ignore',
  description: 'gitweb.description',
  owner: 'gitweb.owner',
} as const;

export const MAX_DESCRIPTION_LENGTH = 200;
export const MAX_OWNER_LENGTH = 80;

export interface RepoMeta {
  private: boolean;
  description: string;
  owner: string;
}

/** A repo whose config cannot be read the way git reads it: never published. */
export class UnpublishableConfigError extends Error {
  override readonly name = 'UnpublishableConfigError';
}

/**
 * Pure: metadata from parsed config. An unreadable privacy value counts as private (fail closed).
 * A config with `[include]` or `[includeIf]` is refused: git would read `cgit.ignore` (and the
 * rest) from files this reader does not follow, so what it shows could differ from what git reads.
 */
export function metaFromConfig(config: GitConfig): RepoMeta {
  for (const key of config.keys()) {
    if (/^include(if\..*)?\.path$/.test(key)) {
      throw new UnpublishableConfigError(`its config has ${key}, which is not followed: remove the include to publish it`);
    }
  }
  const hidden = config.get(META_KEYS.private);
  const description = config.get(META_KEYS.description);
  const owner = config.get(META_KEYS.owner);
  return {
    private: hidden === undefined ? false : (configBool(hidden) ?? true),
    description: typeof description === 'string' ? description : '',
    owner: typeof owner === 'string' ? owner : '',
  };
}

/** Reads a bare repo's metadata; throws when its config cannot be read. */
export async function readRepoMeta(repoDir: string): Promise<RepoMeta> {
  return metaFromConfig(parseGitConfig(await readFile(join(repoDir, 'config'), 'utf8')));
}

/** Why a description is refused, or undefined when it is acceptable as written. */
export function checkDescription(text: string): string | undefined {
  if (/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(text)) return 'the description contains a newline or another control character';
  // Bidi controls reorder what readers see (Trojan Source); zero-width characters hide text.
  if (/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u.test(text))
    return 'the description contains a bidi control or zero-width character';
  if (text.length > MAX_DESCRIPTION_LENGTH)
    return `the description is ${text.length} characters long; at most ${MAX_DESCRIPTION_LENGTH} are allowed`;
  return undefined;
}

/**
 * Pure: makes any text safe as a single cgitrc value. cgitrc has no escaping (a value runs to the
 * end of the line), so every line break or control character becomes a space; it is capped too.
 */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const GIT_TIMEOUT_MS = 30_000;

export async function writePrivate(runner: Runner, repoDir: string, isPrivate: boolean, signal?: AbortSignal): Promise<void> {
  const file = join(repoDir, 'config');
  if (isPrivate) {
    await runner.run('git', ['config', '--file', file, META_KEYS.private, 'true'], { timeoutMs: GIT_TIMEOUT_MS, signal });
  } else {
    // Exit code 5: the key was not set, which is already public.
    await runner.run('git', ['config', '--file', file, '--unset-all', META_KEYS.private], {
      timeoutMs: GIT_TIMEOUT_MS,
      signal,
      okExitCodes: [5],
    });
  }
}

export async function writeDescription(runner: Runner, repoDir: string, text: string, signal?: AbortSignal): Promise<void> {
  const file = join(repoDir, 'config');
  if (text === '') {
    await runner.run('git', ['config', '--file', file, '--unset-all', META_KEYS.description], {
      timeoutMs: GIT_TIMEOUT_MS,
      signal,
      okExitCodes: [5],
    });
  } else {
    await runner.run('git', ['config', '--file', file, META_KEYS.description, text], { timeoutMs: GIT_TIMEOUT_MS, signal });
  }
}
