import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, useCleanup } from '@homelab/testkit';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildManifest, compareManifest, sha256 } from './manifest.js';
import { createVerifyMetrics } from './metrics.js';

useCleanup();

describe('staged manifest', () => {
  it('hashes every file, reuses the hash of an untouched file, rehashes a rewritten one', async () => {
    const dir = await makeTempDir('manifest-');
    writeFileSync(join(dir, 'level.dat'), 'a');
    writeFileSync(join(dir, 'b.mca'), 'b');
    const first = await buildManifest(dir, 'world-1', 1, undefined);
    expect(first.files['level.dat']).toMatchObject({ size: 1, sha256: sha256(Buffer.from('a')) });
    // a marked hash in the previous manifest proves it was reused, not read again
    const previous = structuredClone(first);
    for (const entry of Object.values(previous.files)) if ('sha256' in entry) entry.sha256 = 'from-previous';
    writeFileSync(join(dir, 'b.mca'), 'c');
    const second = await buildManifest(dir, 'world-2', 2, previous);
    expect(second.files['level.dat']).toMatchObject({ sha256: 'from-previous' });
    expect(second.files['b.mca']).toMatchObject({ sha256: sha256(Buffer.from('c')) });
  });

  it('names each file that is missing, extra, resized or changed', () => {
    const expected = {
      version: 1 as const,
      archive: 'w',
      createdAt: 0,
      files: {
        same: { size: 1, sha256: 'x' },
        gone: { size: 1, sha256: 'y' },
        grown: { size: 1, sha256: 'z' },
        flipped: { size: 2, sha256: 'f' },
      },
    };
    const actual = {
      same: { size: 1, sha256: 'x' },
      grown: { size: 3, sha256: 'z' },
      flipped: { size: 2, sha256: 'F' },
      extra: { size: 0, sha256: '' },
    };
    expect(compareManifest(expected, actual)).toEqual([
      { file: 'gone', problem: 'staged but missing from the archive' },
      { file: 'grown', problem: 'size 3, staged 1' },
      { file: 'flipped', problem: 'checksum differs from the staged file' },
      { file: 'extra', problem: 'in the archive but was not staged' },
    ]);
  });

  it('metrics: last verification time by status, success gauge, failures counted', async () => {
    const registry = new Registry();
    const metrics = createVerifyMetrics(registry);
    const record = {
      at: 1_000_000,
      archive: 'w',
      ok: false,
      durationMs: 500,
      files: 1,
      regions: 0,
      chunks: 0,
      manifest: 'none' as const,
      problems: [],
    };
    metrics.observe(record);
    metrics.observe({ ...record, ok: true });
    const text = await registry.metrics();
    expect(text).toMatch(/^mc_backup_last_verify_timestamp_seconds\{status="success"\} 1000\.5$/m);
    expect(text).not.toMatch(/status="failure"/);
    expect(text).toMatch(/^mc_backup_last_verify_success 1$/m);
    expect(text).toMatch(/^mc_backup_verify_failures_total 1$/m);
  });
});
