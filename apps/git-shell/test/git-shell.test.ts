import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readRepoMeta } from '@homelab/git-pool';
import { appBundle, makeTempDir, useCleanup } from '@homelab/testkit';
import { beforeEach, describe, expect, it } from 'vitest';

const execFileP = promisify(execFile);
useCleanup();

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
};

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;
let pool: string;
let env: Record<string, string | undefined>;

async function run(cmd: string, args: string[], cwd = home): Promise<Result> {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { cwd, env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** What an ssh login of the git user runs: the real `git-shell -c "<command line>"` in its home. */
const gitShell = (line: string) => run('git-shell', ['-c', line]);
/** The bundled app directly, with exact argument arrays (for bytes git-shell's splitter would mangle). */
const app = (...args: string[]) => run(process.execPath, [appBundle('git-shell'), ...args]);

async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = `${prefix}${entry.name}`;
    out.push(rel);
    if (entry.isDirectory() && entry.name !== 'objects' && entry.name !== 'hooks')
      out.push(...(await tree(join(dir, entry.name), `${rel}/`)));
  }
  return out.sort();
}

beforeEach(async () => {
  home = await makeTempDir('git-home-');
  pool = join(home, 'repos');
  env = { ...process.env, ...GIT_ENV, HOME: home, GIT_SHELL_REPOS: pool };
  const installed = await app('install-commands');
  expect(installed.code, installed.stderr).toBe(0);
  // Stands in for ssh + sshd: git runs `<ssh> [options] <host> <command>`, and sshd
  // would run the command under the git user's login shell, git-shell, in its home.
  const fakeSsh = join(home, 'fake-ssh');
  await writeFile(
    fakeSsh,
    `#!/bin/sh\n# the remote command is the last argument (git-lfs may add ssh options)\neval "cmd=\\\${$#}"\ncd "${home}" && exec git-shell -c "$cmd"\n`,
  );
  await chmod(fakeSsh, 0o755);
  Object.assign(env, { GIT_SSH_COMMAND: fakeSsh, GIT_SSH_VARIANT: 'simple' });
});

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

  it('runs no other program: git-shell refuses commands that are not installed', async () => {
    const result = await gitShell('sh -c id');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unrecognized command/);
  });
});
