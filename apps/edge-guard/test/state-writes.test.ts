import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appBundle, createNetns, httpRequest, makeTempDir, netnsPrefix, startProcess, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

// The state file is rewritten (temporary file, fsync, rename, fsync of the folder) only when its
// content changed: an idle daemon re-asserts its table every interval but leaves the disk alone.

useCleanup('all');

describe('the state file', () => {
  it('is not rewritten by re-assertions that change nothing, and is rewritten when the log position moves', async () => {
    const dir = await makeTempDir('edge-guard-state-');
    const netns = createNetns(`${netnsPrefix('egs')}h`);
    const log = join(dir, 'access.log');
    const config = join(dir, 'edge-guard.yaml');
    const statePath = join(dir, 'state', 'state.json');
    await writeFile(config, `log: ${log}\nstate_dir: ${join(dir, 'state')}\ninterval: 200ms\npoll: 50ms\nfrom: start\n`);
    await writeFile(log, '');
    const health = join(dir, 'health.sock');
    startProcess('ip', ['netns', 'exec', netns, process.execPath, appBundle('edge-guard'), 'run'], {
      env: { EDGE_GUARD_CONFIG: config, HEALTH_LISTEN: health, LOG_LEVEL: 'info' },
      label: 'edge-guard',
    });
    const reconciles = async () => {
      const metrics = (await httpRequest(health, '/metrics')).body;
      return Number(/edge_guard_reconciles_total\{app="edge-guard"\} (\d+)/.exec(metrics)?.[1] ?? Number.NaN);
    };
    await waitFor(async () => (await stat(statePath).catch(() => undefined)) !== undefined, {
      timeoutMs: 15_000,
      what: 'the first state file',
    });
    const first = await stat(statePath, { bigint: true });
    const counted = await reconciles();

    await waitFor(async () => (await reconciles()) >= counted + 5, { timeoutMs: 15_000, what: 'five more re-assertions' });
    const idle = await stat(statePath, { bigint: true });
    expect({ ino: idle.ino, mtime: idle.mtimeNs }).toEqual({ ino: first.ino, mtime: first.mtimeNs });

    // A line the policy skips still moves the position past it: that is persisted at the next re-assertion.
    const line = 'not a caddy line\n';
    await appendFile(log, line);
    await waitFor(
      async () => {
        const saved = JSON.parse(await readFile(statePath, 'utf8')) as { position?: { pos: number } };
        return saved.position?.pos === line.length;
      },
      { timeoutMs: 15_000, what: 'the new position in the state file' },
    );
    const moved = await stat(statePath, { bigint: true });
    expect(moved.ino).not.toBe(first.ino);
  }, 60_000);
});
