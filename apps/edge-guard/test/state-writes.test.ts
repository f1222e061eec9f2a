import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { startLoneGuard } from './edge-lab.js';

// The state file is rewritten (temporary file, fsync, rename, fsync of the folder) only when its
// content changed: an idle daemon re-asserts its table every interval but leaves the disk alone.

useCleanup('all');

describe('the state file', () => {
  it('is not rewritten by re-assertions that change nothing, and is rewritten when the log position moves', async () => {
    const { dir, log, metrics } = await startLoneGuard('egs', 'interval: 200ms\npoll: 50ms\nfrom: start\n');
    const statePath = join(dir, 'state', 'state.json');
    const reconciles = async () => Number(/edge_guard_reconciles_total\{app="edge-guard"\} (\d+)/.exec(await metrics())?.[1] ?? Number.NaN);
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
