import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appBundle, freePort, httpRequest, makeTempDir, startApp, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
useCleanup();

async function render(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [appBundle('cgit-config'), 'render'], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('cgit-config render', () => {
  it('stops with exit code 2 and one line naming the key on bad config', async () => {
    const dir = await makeTempDir('cgit-cfg-');
    const bad = await render({ CGIT_REPOS: dir, CGIT_CONFIG_OUT: join(dir, 'cgitrc'), CGIT_HTTP_PORT: 'eighty' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CGIT_HTTP_PORT: expected a port number/);
    const typo = await render({ CGIT_REPOS: dir, CGIT_CONFIG_OUT: join(dir, 'cgitrc'), CGIT_REPO: '/x' });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/CGIT_REPO: unknown setting/);
    const relative = await render({ CGIT_REPOS: 'repos', CGIT_CONFIG_OUT: join(dir, 'cgitrc') });
    expect(relative.code).toBe(2);
    expect(relative.stderr).toMatch(/CGIT_REPOS: expected an absolute path/);
    const lonely = await render({ CGIT_REPOS: dir, CGIT_CONFIG_OUT: join(dir, 'cgitrc'), CGIT_LIGHTTPD_RUN: 'true' });
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toMatch(/CGIT_LIGHTTPD_RUN: is true but CGIT_LIGHTTPD_OUT is not set/);
  });

  it('fails with exit code 1 when the pool is missing, writing nothing', async () => {
    const dir = await makeTempDir('cgit-cfg-');
    const result = await render({ CGIT_REPOS: join(dir, 'missing'), CGIT_CONFIG_OUT: join(dir, 'cgitrc') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot scan the pool .*missing: ENOENT/);
    await expect(readFile(join(dir, 'cgitrc'))).rejects.toThrow();
  });

  it('writes an empty but valid cgitrc for an empty pool, and the lighttpd config when asked', async () => {
    const dir = await makeTempDir('cgit-cfg-');
    const result = await render({
      CGIT_REPOS: dir,
      CGIT_CONFIG_OUT: join(dir, 'cgitrc'),
      CGIT_LIGHTTPD_OUT: join(dir, 'l.conf'),
      CGIT_HTTP_PORT: '8099',
    });
    expect(result.code, result.stderr).toBe(0);
    const cgitrc = await readFile(join(dir, 'cgitrc'), 'utf8');
    expect(cgitrc).toContain('virtual-root=/');
    expect(cgitrc).not.toContain('repo.url=');
    expect(await readFile(join(dir, 'l.conf'), 'utf8')).toContain('server.port = 8099');
  });

  it('run with CGIT_LIGHTTPD_RUN stops its lighttpd when it is stopped', async () => {
    const dir = await makeTempDir('cgit-cfg-');
    const port = await freePort();
    const env = {
      CGIT_REPOS: dir,
      CGIT_CONFIG_OUT: join(dir, 'cgitrc'),
      CGIT_LIGHTTPD_OUT: join(dir, 'l.conf'),
      CGIT_HTTP_PORT: String(port),
      CGIT_HTTP_BIND: '127.0.0.1',
      CGIT_LIGHTTPD_RUN: 'true',
    };
    const service = await startApp('cgit-config', ['run'], { env });
    await waitFor(async () => (await httpRequest(`127.0.0.1:${port}`, '/cgit.css').catch(() => ({ status: 0 }))).status === 200, {
      timeoutMs: 15_000,
      what: 'the supervised lighttpd',
    });
    const ps = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(service.proc.pid)], { encoding: 'utf8' });
    const lighttpdPid = Number.parseInt(ps.split('\n').find((l) => l.includes('lighttpd')) ?? '', 10);
    expect(lighttpdPid).toBeGreaterThan(0);
    const exit = await service.proc.stop(10_000);
    expect(exit.code).toBe(0);
    await waitFor(
      () => {
        try {
          process.kill(lighttpdPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 10_000, what: `lighttpd ${lighttpdPid} to be gone` },
    );
  });
});
