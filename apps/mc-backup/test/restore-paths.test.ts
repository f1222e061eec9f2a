import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appBundle, startProcess, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { cli, setup } from './helpers.js';

useCleanup();

// restore compares real paths (every existing component resolved) and directory identities, so a
// symlink, a `..` after a symlink or a bind mount of the world is still the world.
describe('mc-backup restore never writes into the live world or the staging copy', () => {
  it('refuses targets that reach the world or staging through symlinks, .. or a bind mount', async () => {
    const s = await setup();
    expect((await cli(['now'], s.env)).code).toBe(0);
    const worldBefore = readdirSync(s.world).sort();
    const staging = s.env.BACKUP_STAGING;
    symlinkSync(s.world, join(s.dir, 'to-world'));
    symlinkSync(join(s.world, 'region'), join(s.dir, 'to-region'));
    symlinkSync(staging, join(s.dir, 'to-staging'));
    mkdirSync(join(s.dir, 'elsewhere'));
    symlinkSync(join(s.dir, 'to-world'), join(s.dir, 'elsewhere', 'chain'));

    const cases: [string, RegExp][] = [
      [join(s.dir, 'to-world', 'restored'), /overlaps the live world/],
      [`${s.dir}/to-region/../restored`, /overlaps the live world/], // join() would drop the .. lexically
      [join(s.dir, 'elsewhere', 'chain', 'new', 'deeper'), /overlaps the live world/],
      [join(s.dir, 'to-staging', 'restored'), /overlaps the staging folder/],
    ];
    for (const [target, message] of cases) {
      const r = await cli(['restore', 'latest', target], s.env);
      expect(r.code, target).toBe(1);
      expect(r.stderr, target).toMatch(message);
    }
    expect(readdirSync(s.world).sort()).toEqual(worldBefore);
    expect(existsSync(join(staging, 'restored'))).toBe(false);

    // A bind mount of the world somewhere else (a private mount namespace, so nothing leaks).
    const alias = join(s.dir, 'alias');
    mkdirSync(alias);
    const proc = startProcess(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$1" "$2" && exec "$3" "$4" restore latest "$2/restored"',
        'sh',
        s.world,
        alias,
        process.execPath,
        appBundle('mc-backup'),
      ],
      { env: s.env, label: 'restore via bind mount' },
    );
    const exit = await proc.waitExit(60_000);
    expect(exit.code).toBe(1);
    expect(proc.stderr.join('\n')).toMatch(/overlaps the live world/);
    expect(readdirSync(s.world).sort()).toEqual(worldBefore);

    // A plain folder next to the world is fine.
    const ok = await cli(['restore', 'latest', join(s.dir, 'elsewhere', 'restored')], s.env);
    expect(ok.code).toBe(0);
  });
});
