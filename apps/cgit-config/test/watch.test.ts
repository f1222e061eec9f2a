import { execFileSync } from 'node:child_process';
import { type StartedApp, startApp, useCleanup, waitFor } from '@homelab/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { canClone, get, indexRepos, makePool, type Pool } from './web-fixture.js';

// One `cgit-config run` (which also runs lighttpd, CGIT_LIGHTTPD_RUN) for the file; each test
// changes the pool through git-shell and waits for the served pages to follow (the 2 s goal itself
// is measured by the bench).
useCleanup('all');

let p: Pool;
let service: StartedApp;
const listed = async () => indexRepos((await get(p, '/')).body).repos;
const WAIT = { timeoutMs: 15_000, intervalMs: 100 };

beforeAll(async () => {
  p = await makePool();
  for (const name of ['dots', 'tools/fabric']) {
    expect((await p.shell('mk', name)).code).toBe(0);
    await p.pushContent(name);
  }
  service = await startApp('cgit-config', ['run'], { env: { ...p.cgitConfigEnv, CGIT_DEBOUNCE: '200ms', CGIT_LIGHTTPD_RUN: 'true' } });
  await waitFor(async () => (await get(p, '/cgit.css')).status === 200, { timeoutMs: 15_000, what: 'the supervised lighttpd' });
});

describe('cgit-config run re-renders on every pool change', () => {
  it('starts with the public repos served', async () => {
    expect(await listed()).toEqual(['dots', 'tools/fabric']);
  });

  it('hides a repo from pages and clone after `private`, shows it again after `public`', async () => {
    expect((await p.shell('private', 'dots')).code).toBe(0);
    await waitFor(async () => (await get(p, '/dots/')).status === 404, { ...WAIT, what: 'dots to disappear' });
    expect(await listed()).toEqual(['tools/fabric']);
    expect((await get(p, '/dots/info/refs')).status).toBe(404);
    expect(await canClone(p, 'dots')).toBe(false);

    expect((await p.shell('public', 'dots')).code).toBe(0);
    await waitFor(async () => (await get(p, '/dots/')).status === 200, { ...WAIT, what: 'dots to come back' });
    expect(await listed()).toEqual(['dots', 'tools/fabric']);
    expect(await canClone(p, 'dots')).toBe(true);
  });

  it('shows a new description after `describe`', async () => {
    expect((await p.shell('describe', 'tools/fabric', 'Fabric', 'mod', 'pack')).code).toBe(0);
    await waitFor(async () => (await get(p, '/')).body.includes('Fabric mod pack'), { ...WAIT, what: 'the new description' });
  });

  it('serves a repo made with `mk` and drops one removed with `rm`', async () => {
    expect((await p.shell('mk', 'tools/new-one')).code).toBe(0);
    await waitFor(async () => (await listed()).includes('tools/new-one'), { ...WAIT, what: 'tools/new-one to be listed' });
    await p.pushContent('tools/new-one');
    expect(await canClone(p, 'tools/new-one')).toBe(true);

    expect((await p.shell('rm', 'tools/new-one')).code).toBe(0);
    await waitFor(async () => (await get(p, '/tools/new-one/')).status === 404, { ...WAIT, what: 'tools/new-one to go' });
    expect(await listed()).toEqual(['dots', 'tools/fabric']);
  });

  it('serves a restored repo again with its full history', async () => {
    const before = await p.git(['--git-dir', `${p.pool}/dots.git`, 'log', '--format=%H %s', 'main']);
    expect((await p.shell('rm', 'dots')).code).toBe(0);
    await waitFor(async () => (await get(p, '/dots/')).status === 404, { ...WAIT, what: 'dots to go' });
    expect((await p.shell('restore', 'dots')).code).toBe(0);
    await waitFor(async () => (await get(p, '/dots/')).status === 200, { ...WAIT, what: 'dots to come back' });
    expect(await p.git(['--git-dir', `${p.pool}/dots.git`, 'log', '--format=%H %s', 'main'])).toBe(before);
    expect((await get(p, '/dots/plain/config/fabric.json')).body).toBe('{"repo":"dots"}\n');
  });

  it('stops lighttpd with itself, and stops with exit code 1 when lighttpd dies', async () => {
    const children = () =>
      execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(service.proc.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes('lighttpd'))
        .map((l) => Number.parseInt(l, 10));
    const [lighttpdPid] = children();
    expect(lighttpdPid).toBeGreaterThan(0);
    process.kill(lighttpdPid as number, 'SIGKILL');
    const exit = await service.proc.waitExit(20_000);
    expect(exit.code).toBe(1);
    expect(service.proc.output).toMatch(/lighttpd exited; stopping/);
  });
});
