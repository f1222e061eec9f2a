import { execFile } from 'node:child_process';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appBundle, GIT_TEST_ENV, makeTempDir, useCleanup } from '@homelab/testkit';
import { beforeEach, expect } from 'vitest';

const execFileP = promisify(execFile);

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

// The git user's world for one test (live bindings, renewed before each test): its home, the pool
// in it, and the environment of every command.
export let home: string;
export let pool: string;
export let env: Record<string, string | undefined>;

export async function run(cmd: string, args: string[], cwd = home): Promise<Result> {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { cwd, env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** What an ssh login of the git user runs: the real `git-shell -c "<command line>"` in its home. */
export const gitShell = (line: string) => run('git-shell', ['-c', line]);
/** The bundled app directly, with exact argument arrays (for bytes git-shell's splitter would mangle). */
export const app = (...args: string[]) => run(process.execPath, [appBundle('git-shell'), ...args]);

export async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = `${prefix}${entry.name}`;
    out.push(rel);
    if (entry.isDirectory() && entry.name !== 'objects' && entry.name !== 'hooks')
      out.push(...(await tree(join(dir, entry.name), `${rel}/`)));
  }
  return out.sort();
}

/** Call at the top of a test file: a fresh home with the commands installed before each test. */
export function useGitHome(): void {
  useCleanup();
  beforeEach(async () => {
    home = await makeTempDir('git-home-');
    pool = join(home, 'repos');
    env = { ...process.env, ...GIT_TEST_ENV, HOME: home, GIT_SHELL_REPOS: pool };
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
}
