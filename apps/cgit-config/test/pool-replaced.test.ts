import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { startApp, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { makePool } from './web-fixture.js';

// The pool folder replaced under a running cgit-config (restored from a backup, re-created by
// hand, moved away and back): the watch must follow the folder now at the path. The periodic
// rescan is off, so only the watch can pick the changes up.
useCleanup();

const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

describe('cgit-config run when the pool folder is replaced', () => {
  it('re-arms its watch on rm -rf + mkdir and on mv away and back, and is not ready while the pool is gone', async () => {
    const p = await makePool();
    expect((await p.shell('mk', 'first')).code).toBe(0);
    const service = await startApp('cgit-config', ['run'], {
      env: { ...p.cgitConfigEnv, CGIT_DEBOUNCE: '200ms', CGIT_RESCAN_INTERVAL: '0s' },
    });
    const rendered = () => readFile(p.cgitrc, 'utf8');
    const served = async (name: string) => (await rendered()).includes(`repo.url=${name}\n`);
    await waitFor(() => served('first'), { ...WAIT, what: 'the first render' });

    // rm -rf + mkdir: a new folder (new inode) at the same path.
    await rm(p.pool, { recursive: true, force: true });
    const notReady = await waitFor(
      async () => {
        const r = await service.readyz();
        const watch = (r.body as { checks: Record<string, { ok: boolean; detail: string }> }).checks.watch;
        return r.status === 503 && watch?.ok === false ? watch : undefined;
      },
      { ...WAIT, what: '/readyz to report that the pool is not watched' },
    );
    expect(notReady.detail).toMatch(new RegExp(`^no working watch: the pool folder ${p.pool} (is missing|was removed)`));
    await mkdir(p.pool);
    await waitFor(async () => (await service.readyz()).status === 200, { ...WAIT, what: '/readyz to be ready again' });
    await waitFor(async () => !(await served('first')), { ...WAIT, what: 'the empty new pool to be rendered' });
    expect((await p.shell('mk', 'second')).code).toBe(0);
    await waitFor(() => served('second'), { ...WAIT, what: 'a repo made in the new pool folder to be rendered' });

    // mv away and back: the same folder returns.
    await rename(p.pool, `${p.pool}.away`);
    await rename(`${p.pool}.away`, p.pool);
    expect((await p.shell('mk', 'third')).code).toBe(0);
    await waitFor(() => served('third'), { ...WAIT, what: 'a repo made after the pool came back to be rendered' });

    // mv away and a different folder put in its place.
    await rename(p.pool, `${p.pool}.old`);
    await mkdir(p.pool);
    expect((await p.shell('mk', 'fourth')).code).toBe(0);
    await waitFor(() => served('fourth'), { ...WAIT, what: 'a repo made in the replacement folder to be rendered' });
    await waitFor(async () => !(await served('third')), { ...WAIT, what: 'the moved-away repos to be dropped' });
    expect((await service.readyz()).status).toBe(200);
  });
});
