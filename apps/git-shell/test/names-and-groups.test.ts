import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitShell, home, pool, run, useGitHome } from './shell-fixture.js';

useGitHome();

const ls = async () => (await gitShell('ls')).stdout;
const exists = (path: string) =>
  readdir(path).then(
    () => true,
    () => false,
  );

describe('groups and repos never share a name, whatever the order of mk, rm and restore', () => {
  it('restore refuses a name that is now a group, as mk does, and the group stays served', async () => {
    expect((await gitShell('mk tools')).code).toBe(0);
    expect((await gitShell('rm tools')).code).toBe(0);
    expect((await gitShell('mk tools/fabric')).code).toBe(0);
    const restored = await gitShell('restore tools');
    expect(restored.code).toBe(1);
    expect(restored.stderr).toMatch(/"tools" is already a group/);
    expect(await exists(join(pool, 'tools.git'))).toBe(false);
    expect(await ls()).toMatch(/^tools\/fabric\s/m);
    // The trashed copy is still there to restore under the same name once the group is gone.
    expect((await gitShell('trash')).stdout).toMatch(/tools/);
    expect((await gitShell('rm tools/fabric')).code).toBe(0);
    expect((await gitShell('restore tools')).code).toBe(0);
    expect(await ls()).toMatch(/^tools\s/m);
  });

  it('rm of the last repo of a group removes the empty group folder, and mk of that name works', async () => {
    expect((await gitShell('mk grp/only')).code).toBe(0);
    expect((await gitShell('rm grp/only')).code).toBe(0);
    expect(await exists(join(pool, 'grp'))).toBe(false);
    const made = await gitShell('mk grp');
    expect(made.code, made.stderr).toBe(0);
    expect(await ls()).toMatch(/^grp\s/m);
  });

  it('an empty leftover group folder does not block mk or restore of that name; a non-empty one does', async () => {
    await mkdir(join(pool, 'left'), { recursive: true });
    const made = await gitShell('mk left');
    expect(made.code, made.stderr).toBe(0);
    expect(await exists(join(pool, 'left'))).toBe(false);

    expect((await gitShell('rm left')).code).toBe(0);
    await mkdir(join(pool, 'left'));
    expect((await gitShell('restore left')).code).toBe(0);
    expect(await ls()).toMatch(/^left\s/m);

    await mkdir(join(pool, 'full', 'stuff'), { recursive: true });
    const blocked = await gitShell('mk full');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/"full" is already a group/);
  });
});

describe('git-lfs-transfer applies the repo-name rules of every other command', () => {
  it('refuses the trash, dot folders, "..", paths outside the pool and symlinks out of it', async () => {
    expect((await gitShell('mk big')).code).toBe(0);
    expect((await gitShell('rm big')).code).toBe(0);
    const [stamp] = await readdir(join(pool, '.trash'));
    const outside = join(home, 'outside.git');
    expect((await run('git', ['init', '-q', '--bare', outside])).code).toBe(0);
    await symlink(outside, join(pool, 'link.git'));
    await mkdir(join(pool, 'grp'));
    await symlink(home, join(pool, 'grp', 'escape.git'));

    const refused: [string, RegExp][] = [
      [`repos/.trash/${stamp}/big.git`, /starts with a dot/],
      [join(pool, '.trash', stamp as string, 'big.git'), /starts with a dot/],
      ['repos/../outside.git', /contains "\.\."/],
      ['repos/big/../../outside.git', /contains "\.\."/],
      ['/etc', /not inside the repo pool/],
      ['repos', /not inside the repo pool/],
      ['repos/Big.git', /lowercase/],
      ['repos/a/b/c.git', /more than one "\/"/],
    ];
    for (const [path, why] of refused) {
      const result = await gitShell(`git-lfs-transfer '${path}' download`);
      expect(result.code, path).toBe(2);
      expect(result.stderr, path).toMatch(why);
    }
    // Symlinks are not repos of the pool (scan and cgit-config never follow them either).
    for (const path of ['repos/link.git', 'repos/link', 'repos/grp/escape.git']) {
      const result = await gitShell(`git-lfs-transfer '${path}' download`);
      expect(result.code, path).toBe(1);
      expect(result.stderr, path).toMatch(/no repo at/);
    }
  });
});
