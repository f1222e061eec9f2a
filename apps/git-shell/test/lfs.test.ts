import { createHash, randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { env, gitShell, home, pool, run, useGitHome } from './shell-fixture.js';

useGitHome();

describe('git-lfs over ssh under the real git-shell', () => {
  it('git-lfs pushes and fetches large files over ssh through the built-in git-lfs-transfer', async () => {
    expect((await gitShell('mk big')).code).toBe(0);
    expect((await run('git', ['lfs', 'install', '--skip-repo'])).code).toBe(0);
    expect((await run('git', ['clone', '-q', 'git@lab:repos/big', 'work'])).code).toBe(0);
    const work = join(home, 'work');
    await run('git', ['checkout', '-q', '-b', 'main'], work);
    expect((await run('git', ['lfs', 'track', '*.bin'], work)).code).toBe(0);
    const blob = randomBytes(300_000);
    await writeFile(join(work, 'data.bin'), blob);
    await run('git', ['add', '-A'], work);
    expect((await run('git', ['commit', '-q', '-m', 'large file'], work)).code).toBe(0);
    const push = await run('git', ['push', '-q', 'origin', 'main'], work);
    expect(push.code, push.stderr).toBe(0);

    const oid = createHash('sha256').update(blob).digest('hex');
    const stored = join(pool, 'big.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
    expect((await readFile(stored)).equals(blob)).toBe(true);
    // What git itself stores is only the pointer.
    expect((await run('git', ['--git-dir', join(pool, 'big.git'), 'show', 'main:data.bin'])).stdout).toContain(`oid sha256:${oid}`);

    const clone = await run('git', ['clone', '-q', 'git@lab:repos/big', 'again']);
    expect(clone.code, clone.stderr).toBe(0);
    expect((await readFile(join(home, 'again', 'data.bin'))).equals(blob)).toBe(true);
  });

  it('git-lfs-transfer refuses paths outside the pool and can hand off to an external program', async () => {
    expect((await gitShell('mk big')).code).toBe(0);
    const outside = await gitShell("git-lfs-transfer '/etc' download");
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/not inside the repo pool/);
    const missing = await gitShell("git-lfs-transfer 'repos/nope' download");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no repo at "repos\/nope"/);
    const fixture = join(home, 'lfs-transfer-fixture');
    await writeFile(fixture, '#!/bin/sh\necho "transfer $1 $2"\n');
    await chmod(fixture, 0o755);
    env.GIT_SHELL_LFS_TRANSFER = fixture;
    const external = await gitShell("git-lfs-transfer 'repos/big' upload");
    expect(external.code, external.stderr).toBe(0);
    expect(external.stdout).toBe(`transfer ${join(pool, 'big.git')} upload\n`);
  });
});
