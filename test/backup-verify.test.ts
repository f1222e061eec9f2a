import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCleanup, waitFor, webhook } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { archiveNames, type BackupStack, finishedRun, runBackupCli, startBackupStack } from './backup-helpers.js';

useCleanup();

/** A borg that damages the staging copy right before `create` reads it (after the manifest was taken). */
function damagingBorg(stack: BackupStack, damage: string): string {
  const path = join(stack.dir, 'damaging-borg');
  writeFileSync(path, ['#!/bin/sh', `if [ "$1" = create ]; then ${damage}; fi`, 'exec borg "$@"', ''].join('\n'));
  chmodSync(path, 0o755);
  return path;
}

describe('mc-backup verify (real borg, the fake server writing Anvil regions)', { timeout: 180_000 }, () => {
  it('passes a good archive after the run and on demand; fails naming a region whose chunk bytes were flipped', async () => {
    const stack = await startBackupStack();
    const hook = await webhook();
    try {
      const good = await runBackupCli(stack, ['now'], {
        BACKUP_VERIFY: 'after-run',
        BACKUP_NOTIFY_URL: hook.url,
        BACKUP_NOTIFY_ON: 'failure',
      });
      expect(good.code, good.proc.output.slice(-3000)).toBe(0);
      const verified = good.proc.logs().find((l) => l.msg === 'archive verified');
      expect(verified).toMatchObject({ ok: true, manifest: 'compared', files: 8 });
      const cli = await runBackupCli(stack, ['verify', 'latest']);
      expect(cli.code, cli.proc.output.slice(-3000)).toBe(0);
      const archive = String(finishedRun(good.proc)?.archive);
      expect(cli.proc.stdout.join('\n')).toMatch(
        new RegExp(`^verify ok: ${archive}: 8 files, 4 region files, \\d+ chunks; file set and checksums equal the staged ones$`, 'm'),
      );

      // 40 bytes of the first chunk of r.0.0.mca (sector 2) overwritten inside the staging copy
      const flip = "printf '%040d' 0 | dd of=region/r.0.0.mca bs=1 seek=8300 conv=notrunc 2>/dev/null";
      const bad = await runBackupCli(stack, ['now'], {
        BACKUP_VERIFY: 'after-run',
        BACKUP_NOTIFY_URL: hook.url,
        BACKUP_NOTIFY_ON: 'failure',
        BACKUP_BORG_BIN: damagingBorg(stack, flip),
      });
      expect(bad.code, bad.proc.output.slice(-3000)).toBe(0);
      const badArchive = String(finishedRun(bad.proc)?.archive);
      await waitFor(() => hook.bodies.length > 0, { what: 'the verification failure webhook' });
      expect(hook.bodies[0]).toMatchObject({ source: 'mc-backup', event: 'verify', status: 'failure', archive: badArchive });
      const again = await runBackupCli(stack, ['verify', badArchive]);
      expect(again.code).toBe(1);
      const out = again.proc.stdout.join('\n');
      expect(out).toMatch(new RegExp(`^verify FAILED: ${badArchive}: 2 problems`, 'm'));
      expect(out).toMatch(/^ {2}region\/r\.0\.0\.mca: chunk \(0,0\): does not decompress \(zlib: .+\)$/m);
      expect(out).toMatch(/^ {2}region\/r\.0\.0\.mca: checksum differs from the staged file$/m);
      // the good archive still verifies; the scratch folders are gone
      expect((await runBackupCli(stack, ['verify', archive])).code).toBe(0);
      expect(archiveNames(stack)).toEqual([archive, badArchive]);
    } finally {
      await hook.close();
    }
  });

  it('fails naming level.dat when the archived level.dat is truncated; refuses a hostile archive name', async () => {
    const stack = await startBackupStack();
    const run = await runBackupCli(stack, ['now'], { BACKUP_BORG_BIN: damagingBorg(stack, 'truncate -s 100 level.dat') });
    expect(run.code, run.proc.output.slice(-3000)).toBe(0);
    const cli = await runBackupCli(stack, ['verify']);
    expect(cli.code).toBe(1);
    const out = cli.proc.stdout.join('\n');
    expect(out).toMatch(/^ {2}level\.dat: is not a whole gzip stream \(unexpected end of file\)$/m);
    expect(out).toMatch(/^ {2}level\.dat: size 100, staged \d+$/m);
    const hostile = await runBackupCli(stack, ['verify', '../../etc/passwd']);
    expect(hostile.code).toBe(1);
    expect(hostile.proc.output).toMatch(/not an archive name: "..\/..\/etc\/passwd"/);
  });
});
