import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, runBorg, startProcess, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { envDocs, loadSettings } from '../src/config.js';
import { cli, setup } from './helpers.js';

useCleanup();

describe('mc-backup CLI', () => {
  it('--help lists every command and every env var', async () => {
    const { code, stdout } = await cli(['--help'], {});
    expect(code).toBe(0);
    for (const command of ['run', 'now', 'list', 'restore ARCHIVE DIR', 'check']) expect(stdout).toContain(`  ${command}`);
    for (const doc of envDocs) expect(stdout).toContain(doc.name);
  });

  it('bad config exits 2 with one line naming the key', async () => {
    const { code, stderr } = await cli(['now'], { BORG_REPO: '/x', BACKUP_MAX_AGE: 'soon', BACKUP_SCHEDULE: 'every day' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/BACKUP_MAX_AGE: "soon" is not a duration/);
    expect(stderr).toMatch(/BACKUP_SCHEDULE: not a cron expression/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a staging folder inside the world is refused (exit 2)', async () => {
    const { code, stderr } = await cli(['now'], { BORG_REPO: '/x', BACKUP_SOURCE: '/data/world', BACKUP_STAGING: '/data/world/staging' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/BACKUP_STAGING: .* overlaps the world/);
  });

  it('now with the bridge down backs up unpaused and says so; list and restore work; restore refuses unsafe targets', async () => {
    const s = await setup();
    const now = await cli(['now'], s.env);
    expect(now.code).toBe(0);
    const finished = now.proc.logs().find((l) => l.msg === 'backup finished') as { run: Record<string, unknown> };
    expect(finished.run).toMatchObject({ status: 'success', paused: false, unpausedReason: expect.stringMatching(/without pausing/) });

    const list = await cli(['list', '--json'], s.env);
    expect(list.code).toBe(0);
    const archives = JSON.parse(list.stdout) as { name: string; retention: string }[];
    expect(archives).toEqual([expect.objectContaining({ name: finished.run.archive, retention: 'daily' })]);
    const table = await cli(['list'], s.env);
    expect(table.stdout).toMatch(new RegExp(`^ARCHIVE +TIME +RETENTION\\n${finished.run.archive} .* UTC +daily$`));

    // a newer checkpoint (what an interrupted borg create can leave) is never "latest"
    runBorg(s.repo, ['create', '--timestamp', '2099-01-01T00:00:00', '::world-2099-01-01T00:00:00.000Z.checkpoint', '.'], s.world);
    const target = join(s.dir, 'restored');
    const restore = await cli(['restore', 'latest', target], s.env);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toBe(`restored ${finished.run.archive} into ${target}`);
    expect(readFileSync(join(target, 'region/r.0.1.mca'), 'utf8')).toBe('region one');
    expect(existsSync(join(target, 'session.lock'))).toBe(false);

    const again = await cli(['restore', String(finished.run.archive), target], s.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refusing to restore into .*restored: it is not empty/);
    const intoWorld = await cli(['restore', 'latest', join(s.world, 'region')], s.env);
    expect(intoWorld.code).toBe(1);
    expect(intoWorld.stderr).toMatch(/overlaps the live world/);
    const usage = await cli(['restore', 'latest'], s.env);
    expect(usage.code).toBe(2);
  });

  it('reads the passphrase from BORG_PASSPHRASE_FILE and never logs it', async () => {
    const passphrase = 'tr0ub4dor-and-3';
    const s = await setup({ passphrase });
    const file = join(s.dir, 'passphrase');
    writeFileSync(file, `${passphrase}\n`);
    const now = await cli(['now'], { ...s.env, BORG_PASSPHRASE_FILE: file });
    expect(now.code, now.stderr).toBe(0);
    expect(now.stdout + now.stderr).not.toContain(passphrase);
    const wrong = join(s.dir, 'wrong');
    writeFileSync(wrong, 'not it\n');
    const list = await cli(['list'], { ...s.env, BORG_PASSPHRASE_FILE: wrong });
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/passphrase/i);
  });

  it('a second backup while one holds the run lock is refused', async () => {
    const s = await setup();
    // a live process holding the run lock, as a running `mc-backup now` does
    const holder = startProcess('sleep', ['30']);
    mkdirSync(s.env.BACKUP_STATE_DIR, { recursive: true });
    writeFileSync(join(s.env.BACKUP_STATE_DIR, 'run.lock'), `${holder.pid}\n`);
    const second = await cli(['now'], s.env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another backup is running (pid ${holder.pid}); refusing to start a second one`);
  });

  describe('README', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const block = (lang: string, after: string) => {
      const from = readme.indexOf(after);
      const match = new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``).exec(readme.slice(from));
      if (from < 0 || !match) throw new Error(`no ${lang} block after ${after} in the README`);
      return match[1] as string;
    };

    it('shows the real --help output', async () => {
      const { stdout } = await cli(['--help'], {});
      expect(block('text', '## --help').trimEnd()).toBe(stdout.trimEnd());
    });

    it('documents every env var with its default', () => {
      for (const doc of envDocs) {
        const row = readme.split('\n').find((l) => l.startsWith(`| \`${doc.name}\` `));
        const cells = row?.split('|').map((c) => c.trim());
        expect(cells?.[2], doc.name).toBe(doc.default ? `\`${doc.default}\`` : '');
      }
    });

    it('its example config is valid', async () => {
      const secrets = await makeTempDir('mc-backup-readme-');
      writeFileSync(join(secrets, 'borg-passphrase'), 'example passphrase\n');
      const env: Record<string, string> = {};
      for (const line of block('env', '## Example').trim().split('\n')) {
        const eq = line.indexOf('=');
        env[line.slice(0, eq)] = line.slice(eq + 1).replace('/run/secrets', secrets);
      }
      const { settings, secretValues } = loadSettings(env);
      expect(settings).toMatchObject({
        schedule: '0 4 * * *',
        timeZone: 'Europe/Malta',
        keep: { daily: 7, weekly: 4, monthly: 6 },
        checkSchedule: '0 5 * * 0',
        rcon: { target: { path: '/run/rcon/backup.sock' } },
        borg: { passphrase: 'example passphrase', hostId: 'mc-backup@homelab' },
        notify: { on: 'always' },
      });
      expect(secretValues).toEqual(['example passphrase']);
    });
  });
});
