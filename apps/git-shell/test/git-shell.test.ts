import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRepoMeta } from '@homelab/git-pool';
import { appBundle } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { app, gitShell, home, pool, run, tree, useGitHome } from './shell-fixture.js';

useGitHome();

describe('git-shell commands under the real git-shell', () => {
  it('installs one executable per command into ~/git-shell-commands', async () => {
    const files = (await readdir(join(home, 'git-shell-commands'))).sort();
    expect(files).toEqual(['describe', 'git-lfs-transfer', 'help', 'ls', 'mk', 'private', 'public', 'restore', 'rm', 'trash']);
    expect(await readFile(join(home, 'git-shell-commands', 'mk'), 'utf8')).toContain(`${appBundle('git-shell')}' mk -- "$@"`);
  });

  it('mk makes a repo that is cloneable and pushable over an ssh-style path at once', async () => {
    const made = await gitShell('mk tools/fabric');
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('made public repo tools/fabric');
    expect(await run('git', ['--git-dir', join(pool, 'tools/fabric.git'), 'symbolic-ref', 'HEAD'])).toMatchObject({
      stdout: 'refs/heads/main\n',
    });

    const clone = await run('git', ['clone', '-q', 'git@lab:repos/tools/fabric', 'work']);
    expect(clone.code, clone.stderr).toBe(0);
    await writeFile(join(home, 'work', 'fabric.json'), '{}\n');
    await run('git', ['add', 'fabric.json'], join(home, 'work'));
    expect((await run('git', ['commit', '-q', '-m', 'first'], join(home, 'work'))).code).toBe(0);
    const push = await run('git', ['push', '-q', 'origin', 'HEAD:main'], join(home, 'work'));
    expect(push.code, push.stderr).toBe(0);

    const again = await run('git', ['clone', '-q', 'git@lab:repos/tools/fabric.git', 'again']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(home, 'again', 'fabric.json'), 'utf8')).toBe('{}\n');
  });

  it('ls, private, public and describe keep the metadata in the repo config', async () => {
    expect((await gitShell('mk dots')).code).toBe(0);
    expect((await gitShell('mk --private notes')).code).toBe(0);
    expect((await gitShell('describe dots The owner’s dotfiles')).code).toBe(0);
    expect(await readRepoMeta(join(pool, 'dots.git'))).toEqual({ private: false, description: 'The owner’s dotfiles', owner: '' });
    expect((await readRepoMeta(join(pool, 'notes.git'))).private).toBe(true);

    expect((await gitShell('private dots')).code).toBe(0);
    expect((await readRepoMeta(join(pool, 'dots.git'))).private).toBe(true);
    expect((await gitShell('public dots')).code).toBe(0);
    expect((await gitShell('public notes')).code).toBe(0);
    expect((await readRepoMeta(join(pool, 'notes.git'))).private).toBe(false);

    const ls = await gitShell('ls');
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^dots\s+public\s+The owner’s dotfiles\nnotes\s+public\s+\n$/);
  });

  it('refuses hostile input with a clear message and exit code, creating and removing nothing', async () => {
    expect((await gitShell('mk keep')).code).toBe(0);
    const before = await tree(home);
    const viaGitShell: [string, RegExp, number][] = [
      ['mk ../x', /contains "\.\."/, 2],
      ['mk .hidden', /starts with a dot/, 2],
      ['mk -rf', /starts with a dot or a dash/, 2],
      ['mk a/b/c', /more than one "\/"/, 2],
      ["mk 'a b'", /only lowercase/, 2],
      [`mk ${'x'.repeat(300)}`, /300 characters/, 2],
      ['mk keep', /already exists/, 1],
      ['mk', /mk takes exactly one repo name/, 2],
      ['mk one two', /mk takes exactly one repo name/, 2],
      ['rm nope', /no repo named "nope"/, 1],
      ['rm ../keep', /contains "\.\."/, 2],
      ['rm -rf', /starts with a dot or a dash/, 2],
      ['private nope', /no repo named "nope"/, 1],
      ['restore keep', /no trashed repo named "keep"/, 1],
    ];
    for (const [line, message, code] of viaGitShell) {
      const result = await gitShell(line);
      expect(result.code, line).toBe(code);
      expect(result.stderr, line).toMatch(message);
    }
    const viaArgs: [string[], RegExp][] = [
      [['mk', '--', 'a\nb'], /control character/],
      [['mk', '--', 'x\nrepo.url=evil'], /control character/],
      [['mk', '--', 'tab\there'], /control character/],
      [['mk', '--', 'bell\u0007'], /control character/],
      [['mk', '--', 'del\u007f'], /control character/],
      [['mk', '--', '/etc/x'], /refused repo name "\/etc\/x"/],
      [['describe', '--', 'keep', 'x\nrepo.url=evil\nrepo.path=/etc'], /control character/],
    ];
    for (const [args, message] of viaArgs) {
      const result = await app(...args);
      expect(result.code, JSON.stringify(args)).toBe(2);
      expect(result.stderr, JSON.stringify(args)).toMatch(message);
    }
    expect(await tree(home)).toEqual(before);
    expect(await readRepoMeta(join(pool, 'keep.git'))).toEqual({ private: false, description: '', owner: '' });
  });

  it('rm moves into the trash and restore gives the repo back with its full history', async () => {
    expect((await gitShell('mk tools/fabric')).code).toBe(0);
    expect((await run('git', ['clone', '-q', 'git@lab:repos/tools/fabric', 'work'])).code).toBe(0);
    for (const n of [1, 2, 3]) {
      await writeFile(join(home, 'work', `f${n}.txt`), `${n}\n`);
      await run('git', ['add', '-A'], join(home, 'work'));
      await run('git', ['commit', '-q', '-m', `commit ${n}`], join(home, 'work'));
    }
    expect((await run('git', ['push', '-q', 'origin', 'HEAD:main'], join(home, 'work'))).code).toBe(0);
    const history = (await run('git', ['--git-dir', join(pool, 'tools/fabric.git'), 'log', '--format=%H %s', 'main'])).stdout;

    const removed = await gitShell('rm tools/fabric');
    expect(removed.code, removed.stderr).toBe(0);
    expect((await run('git', ['clone', '-q', 'git@lab:repos/tools/fabric', 'gone'])).code).not.toBe(0);
    const trash = await gitShell('trash');
    expect(trash.stdout).toMatch(/^tools\/fabric {2}\d{8}T\d{6}\.\d{3}Z\n$/);

    const restored = await gitShell('restore tools/fabric');
    expect(restored.code, restored.stderr).toBe(0);
    expect((await run('git', ['--git-dir', join(pool, 'tools/fabric.git'), 'log', '--format=%H %s', 'main'])).stdout).toBe(history);
    expect((await run('git', ['--git-dir', join(pool, 'tools/fabric.git'), 'fsck', '--no-progress'])).code).toBe(0);
    expect((await gitShell('trash')).stdout).toBe('(trash is empty)\n');
    expect(await readdir(join(pool, '.trash'))).toEqual([]);
  });

  it('runs no other program: git-shell refuses commands that are not installed', async () => {
    const result = await gitShell('sh -c id');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unrecognized command/);
  });
});
