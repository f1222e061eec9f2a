import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { parseGitConfig } from './git-config.js';
import { metaFromConfig } from './metadata.js';
import { findRepo, scanPool } from './scan.js';

useCleanup();

const bare = (path: string) => execFileSync('git', ['init', '-q', '--bare', '-b', 'main', path]);
const config = (path: string, key: string, value: string) => execFileSync('git', ['config', '--file', join(path, 'config'), key, value]);

describe('scanPool', () => {
  it('finds bare repos at depth 1 and 2 with their metadata, and skips everything else', async () => {
    const pool = await makeTempDir('pool-');
    bare(join(pool, 'dots.git'));
    bare(join(pool, 'handmade'));
    bare(join(pool, 'tools', 'fabric.git'));
    bare(join(pool, 'tools', 'hidden.git'));
    config(join(pool, 'tools', 'hidden.git'), 'cgit.ignore', 'true');
    config(join(pool, 'dots.git'), 'gitweb.description', 'My dotfiles');
    config(join(pool, 'dots.git'), 'gitweb.owner', 'liam');
    bare(join(pool, '.trash', '20260101T000000.000Z', 'old.git'));
    bare(join(pool, 'Bad Name.git'));
    bare(join(pool, 'a', 'b', 'too-deep.git'));
    mkdirSync(join(pool, 'empty-group'));
    writeFileSync(join(pool, 'stray-file'), 'x');
    symlinkSync(join(pool, 'dots.git'), join(pool, 'link.git'));
    // A group with the same name as a repo would be unreachable in cgit.
    bare(join(pool, 'clash.git'));
    bare(join(pool, 'clash', 'inner.git'));

    const scan = await scanPool(pool);
    expect(scan.repos.map((r) => [r.name, r.group, r.private])).toEqual([
      ['clash', undefined, false],
      ['dots', undefined, false],
      ['handmade', undefined, false],
      ['tools/fabric', 'tools', false],
      ['tools/hidden', 'tools', true],
    ]);
    expect(scan.repos.find((r) => r.name === 'dots')).toMatchObject({
      description: 'My dotfiles',
      owner: 'liam',
      path: join(pool, 'dots.git'),
    });
    const skippedPaths = scan.skipped.map((s) => s.path.slice(pool.length + 1));
    expect(skippedPaths).toEqual(expect.arrayContaining(['Bad Name.git', 'a/b', 'clash/inner.git']));
    expect(skippedPaths.some((p) => p.startsWith('.trash') || p.startsWith('link'))).toBe(false);
  });

  it('finds a repo by name with or without the .git suffix', async () => {
    const pool = await makeTempDir('pool-');
    bare(join(pool, 'dots.git'));
    bare(join(pool, 'handmade'));
    expect(await findRepo(pool, 'dots')).toBe(join(pool, 'dots.git'));
    expect(await findRepo(pool, 'handmade')).toBe(join(pool, 'handmade'));
    expect(await findRepo(pool, 'nope')).toBeUndefined();
  });
});

describe('metaFromConfig', () => {
  it('fails closed: an unreadable privacy value counts as private', () => {
    expect(metaFromConfig(parseGitConfig('[cgit]\n\tignore = perhaps\n')).private).toBe(true);
    expect(metaFromConfig(parseGitConfig('[cgit]\n\tignore = false\n')).private).toBe(false);
    expect(metaFromConfig(parseGitConfig('[cgit]\n\tignore\n')).private).toBe(true);
    expect(metaFromConfig(parseGitConfig('')).private).toBe(false);
  });
});
