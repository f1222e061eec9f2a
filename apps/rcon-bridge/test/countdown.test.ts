import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RconClient } from '@homelab/rcon';
import { appBundle, closeAfter, sleep, startApp, startBridge, startProcess, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { serverRepos, supervisedServer } from './supervised.js';

useCleanup();

/** A supervised fake server in a git working tree (its origin can be updated), players as given. */
async function supervised(players: string[], env: Record<string, string> = {}) {
  const { dir, tree, pushUpdate } = await serverRepos('bridge-countdown-');
  const server = await supervisedServer(dir, { tree, players });
  const socket = server.socket;
  const backupSocket = join(dir, 'backup.sock');
  const bridge = await startApp('rcon-bridge', server.args, {
    env: {
      ...server.env,
      BRIDGE_BACKUP_SOCKET: backupSocket,
      BRIDGE_STOP_TIMEOUT: '20s',
      BRIDGE_COUNTDOWN: '3s,2s,1s',
      ...env,
    },
    readyTimeoutMs: 40_000,
  });
  const client = (path = socket) => {
    const c = new RconClient({ target: { path }, password: '' });
    closeAfter(() => c.close());
    return c;
  };
  const starts = () => bridge.proc.stdout.filter((l) => l.includes('Starting minecraft server version')).length;
  const said = () =>
    bridge.proc.stdout.filter((l) => /\[Server thread\/INFO\]: \[Rcon\] \[server\]/.test(l)).map((l) => l.replace(/^.*\[Rcon\] /, ''));
  await waitFor(() => bridge.proc.stdout.some((l) => l.includes('RCON running on')), { what: 'the server to start' });
  return { bridge, tree, socket, backupSocket, client, pushUpdate, starts, said };
}

describe('rcon-bridge announced restarts and stops', { timeout: 180_000 }, () => {
  it('a restart with two players online announces each step, syncs the tree and brings the server back', async () => {
    const s = await supervised(['Alex', 'Steve']);
    s.pushUpdate('motd=v2\n');
    const c = s.client();
    const t0 = Date.now();
    expect(await c.command('bridge:restart update')).toBe(
      'bridge: restarting in 3 seconds (announced at 3 seconds, 2 seconds, 1 second); "bridge:cancel" cancels',
    );
    expect(await c.command('bridge:status')).toMatch(/^bridge: restart in [1-3] seconds?$/);
    await waitFor(() => s.starts() === 2, { timeoutMs: 20_000, what: 'the server to start again' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_900);
    expect(s.said()).toEqual([
      '[server] restarting in 3 seconds update',
      '[server] restarting in 2 seconds update',
      '[server] restarting in 1 second update',
    ]);
    expect(s.bridge.proc.stdout.join('\n')).toMatch(
      /Steve lost connection: Server closed[\s\S]*All dimensions are saved[\s\S]*Starting minecraft server version/,
    );
    expect(readFileSync(join(s.tree, 'server.properties'), 'utf8')).toBe('motd=v2\n');
    // the bridge stayed up and reaches the new server
    await waitFor(async () => (await c.command('list').catch(() => '')).startsWith('There are 2 of a max of 20'), {
      timeoutMs: 15_000,
      what: 'list on the new server',
    });
    expect(s.bridge.proc.exitInfo).toBeUndefined();
  });

  it('with nobody online it restarts at once; a cancel stops a countdown; the backup socket and mc-console', async () => {
    const empty = await supervised([]);
    expect(await empty.client().command('bridge:restart')).toBe('bridge: nobody online: restarting now');
    await waitFor(() => empty.starts() === 2, { timeoutMs: 20_000, what: 'the immediate restart' });
    // no countdown: the restart began right after the request (the bridge's own log times)
    const at = (msg: string) => Date.parse(String(empty.bridge.proc.logs().find((l) => l.msg === msg)?.time));
    expect(at('restart: countdown over') - at('restart requested')).toBeLessThan(1_000);
    expect(empty.said()).toEqual([]);

    const busy = await supervised(['Alex'], { BRIDGE_COUNTDOWN: '6s,3s' });
    const c = busy.client();
    const requested = Date.now();
    expect(await c.command('bridge:restart')).toMatch(/^bridge: restarting in 6 seconds/);
    // mc-console (over the same socket) cancels it
    const cancel = startProcess(process.execPath, [appBundle('mc-console'), 'exec', 'bridge:cancel'], {
      env: { CONSOLE_SOCKET: busy.socket },
    });
    expect((await cancel.waitExit()).code, cancel.output).toBe(0);
    expect(cancel.stdout.join('\n')).toBe('bridge: restart cancelled');
    await sleep(Math.max(0, requested + 7_000 - Date.now()));
    expect(busy.starts()).toBe(1);
    expect(busy.said()).toEqual(['[server] restarting in 6 seconds', '[server] restart cancelled']);
    expect(await c.command('bridge:cancel')).toBe('rcon-bridge: refused: nothing to cancel: no restart or stop is counting down');
    expect(await c.command('bridge:reboot')).toMatch(/^rcon-bridge: refused: unknown bridge command "bridge:reboot"/);
    // the restricted backup socket never takes it
    expect(await busy.client(busy.backupSocket).command('bridge:restart')).toMatch(
      /^rcon-bridge: refused "bridge:restart": "bridge:restart" is not allowed on the backup socket/,
    );
    expect(busy.starts()).toBe(1);
  });

  it('bridge:stop counts down and the bridge exits with the server; SIGTERM with BRIDGE_STOP_COUNTDOWN=on announces first', async () => {
    const s = await supervised(['Alex']);
    expect(await s.client().command('bridge:stop')).toMatch(/^bridge: stopping in 3 seconds/);
    expect(await s.bridge.proc.waitExit(20_000)).toMatchObject({ code: 0 });
    expect(s.said()).toEqual(['[server] stopping in 3 seconds', '[server] stopping in 2 seconds', '[server] stopping in 1 second']);

    const t = await supervised(['Alex'], { BRIDGE_STOP_COUNTDOWN: 'on', BRIDGE_COUNTDOWN: '2s,1s' });
    const t0 = Date.now();
    t.bridge.proc.signal('SIGTERM');
    expect(await t.bridge.proc.waitExit(20_000)).toMatchObject({ code: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);
    expect(t.said()).toEqual(['[server] stopping in 2 seconds', '[server] stopping in 1 second']);
    expect(t.bridge.proc.stdout.join('\n')).toMatch(/All dimensions are saved/);

    // unsupervised: no restart (nothing to bring back)
    const plain = await startBridge({ readyTimeoutMs: 40_000 });
    const p = new RconClient({ target: { path: plain.socket }, password: '' });
    closeAfter(() => p.close());
    expect(await p.command('bridge:restart')).toMatch(/^rcon-bridge: refused: bridge:restart needs a supervised server/);
  });
});
