import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RconServer } from '@homelab/rcon';
import { appBundle, startApp, startProcess, useCleanup, waitFor } from '@homelab/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

useCleanup();
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function rcon(path: string) {
  const seen: string[] = [];
  const server = new RconServer({
    handle: async (command) => {
      seen.push(command);
      return command === 'save-on' ? 'Automatic saving is now enabled' : '';
    },
  });
  await server.listen({ path, mode: 0o600 });
  closers.push(() => server.close());
  return seen;
}

// An unreadable state file may hide a paused flag: the daemon must not leave saving off.
describe('mc-backup with a lost paused-state', () => {
  it('sends save-on at start, moves the bad file aside, logs what it found and keeps running', async () => {
    const s = await setup();
    const seen = await rcon(s.env.BACKUP_RCON_SOCKET);
    mkdirSync(s.env.BACKUP_STATE_DIR, { recursive: true });
    const file = join(s.env.BACKUP_STATE_DIR, 'state.json');
    writeFileSync(file, '{"version":1,"paused":{"since":17');
    const app = await startApp('mc-backup', ['run'], { env: { ...s.env, BACKUP_SCHEDULE: '0 4 1 1 *' }, waitReady: 'healthz' });
    await waitFor(() => seen.includes('save-on'), { timeoutMs: 20_000, what: 'save-on sent at start' });
    await waitFor(async () => (await app.readyz()).status === 200, { timeoutMs: 10_000, what: 'ready again' });
    const aside = readdirSync(s.env.BACKUP_STATE_DIR).filter((f) => f.startsWith('state.json.unreadable-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(s.env.BACKUP_STATE_DIR, aside[0] as string), 'utf8')).toBe('{"version":1,"paused":{"since":17');
    const found = app.proc
      .logs()
      .find((l) => l.msg === 'state file unreadable; moved aside, sending save-on in case a run left saving off');
    expect(found).toMatchObject({
      file,
      movedTo: expect.stringContaining('state.json.unreadable-'),
      problem: expect.stringMatching(/not valid JSON/),
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, paused: null });
    expect(app.proc.child.exitCode).toBeNull();
  });

  it('errors from a full state filesystem name the file', async () => {
    const s = await setup();
    const stateDir = join(s.dir, 'full');
    mkdirSync(stateDir);
    // A 64 KiB tmpfs, filled up, in a private mount namespace (nothing leaks to the host).
    const script =
      'mount -t tmpfs -o size=64k none "$1" && mkdir "$1/state" && (dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; true) && exec "$2" "$3" now';
    const proc = startProcess(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', stateDir, process.execPath, appBundle('mc-backup')],
      {
        env: { ...s.env, BACKUP_STATE_DIR: join(stateDir, 'state') },
        label: 'mc-backup now on a full state fs',
      },
    );
    const exit = await proc.waitExit(60_000);
    expect(exit.code).not.toBe(0);
    expect(proc.output).toMatch(/(state|lock) file \S*\/state\/\S+: ENOSPC/);
  });
});
