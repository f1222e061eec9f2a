import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RconClient } from '@homelab/rcon';
import { appBundle, closeAfter, gitSync, makeTempDir, startApp, startProcess, useCleanup, verifyWorld } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { serverRepos, supervisedServer } from './supervised.js';

useCleanup();

/** The fake server supervised in `tree` (password file and sockets beside it). */
async function bridgeArgs(tree: string) {
  const server = await supervisedServer(join(tree, '..'), { tree });
  return { ...server, env: { ...server.env, BRIDGE_STOP_TIMEOUT: '20s' } };
}

describe('rcon-bridge supervision', () => {
  it('fast-forwards the tree before launch; on SIGTERM the server gets stop, saves and exits 0 before the bridge', async () => {
    const { tree, pushUpdate } = await serverRepos('bridge-git-');
    pushUpdate('motd=v2\n');
    const { args, env, socket } = await bridgeArgs(tree);
    const bridge = await startApp('rcon-bridge', args, { env });
    expect(readFileSync(join(tree, 'server.properties'), 'utf8')).toBe('motd=v2\n');
    expect(bridge.proc.logs().some((l) => l.msg === 'working tree fast-forwarded to its origin')).toBe(true);
    const client = new RconClient({ target: { path: socket }, password: '', reconnect: false });
    closeAfter(() => client.close());
    expect(await client.command('list')).toMatch(/^There are 0/);

    bridge.proc.signal('SIGTERM');
    expect(await bridge.proc.waitExit(30_000)).toMatchObject({ code: 0 });
    const out = bridge.proc.stdout;
    const at = (re: RegExp) => out.findIndex((l) => re.test(l));
    expect(at(/\[Rcon: Stopping the server\]/)).toBeGreaterThan(-1);
    expect(at(/All dimensions are saved/)).toBeGreaterThan(at(/\[Rcon: Stopping the server\]/));
    const exited = bridge.proc.logs().find((l) => l.msg === 'minecraft server exited');
    expect(exited).toMatchObject({ code: 0 });
    expect(at(/"msg":"minecraft server exited"/)).toBeGreaterThan(at(/All dimensions are saved/));
    expect(at(/"msg":"stopped"/)).toBeGreaterThan(at(/"msg":"minecraft server exited"/));
    expect(verifyWorld(join(tree, 'world'))).toMatchObject({ ok: true });
  });

  it('refuses a dirty or a diverged tree with a clear error instead of resetting it', async () => {
    const { tree, pushUpdate } = await serverRepos('bridge-git-');
    writeFileSync(join(tree, 'server.properties'), 'motd=local edit\n');
    const dirty = await bridgeArgs(tree);
    const first = startProcess(process.execPath, [appBundle('rcon-bridge'), ...dirty.args], {
      env: { ...dirty.env, HEALTH_LISTEN: join(tree, '..', 'h1.sock') },
    });
    expect(await first.waitExit()).toMatchObject({ code: 1 });
    expect(first.stderr.join('\n')).toMatch(/working tree .*tree has local changes \(M server.properties\).*never resets/);
    expect(readFileSync(join(tree, 'server.properties'), 'utf8')).toBe('motd=local edit\n');

    gitSync(tree, 'commit', '-q', '-am', 'local commit');
    pushUpdate('motd=v3\n');
    const diverged = startProcess(process.execPath, [appBundle('rcon-bridge'), ...dirty.args], {
      env: { ...dirty.env, HEALTH_LISTEN: join(tree, '..', 'h2.sock') },
    });
    expect(await diverged.waitExit()).toMatchObject({ code: 1 });
    expect(diverged.stderr.join('\n')).toMatch(/has diverged from origin\/main \(1 local, 1 upstream commits\)/);
    expect(gitSync(tree, 'log', '-1', '--format=%s')).toBe('local commit');
    expect(first.stdout.join('\n') + diverged.stdout.join('\n')).not.toMatch(/minecraft server started/);
  });

  it('exits with the server when it stops by itself (stop from a client); "rcon-bridge -- CMD" works too', async () => {
    const { tree } = await serverRepos('bridge-git-');
    const { args, env, socket } = await bridgeArgs(tree);
    const bridge = await startApp('rcon-bridge', args.slice(1), { env });
    const client = new RconClient({ target: { path: socket }, password: '', reconnect: false });
    closeAfter(() => client.close());
    expect(await client.command('stop')).toBe('Stopping the server');
    expect(await bridge.proc.waitExit(20_000)).toMatchObject({ code: 0 });
    expect(bridge.proc.stdout.join('\n')).toMatch(/minecraft server exited by itself/);
  });

  it('forwards SIGHUP to the server (which saves and exits 129, like the JVM) and exits with its code', async () => {
    const { tree } = await serverRepos('bridge-git-');
    const { args, env } = await bridgeArgs(tree);
    const bridge = await startApp('rcon-bridge', args, { env });
    bridge.proc.signal('SIGHUP');
    expect(await bridge.proc.waitExit(20_000)).toMatchObject({ code: 129 });
    const out = bridge.proc.stdout.join('\n');
    expect(out).toMatch(/"signal":"SIGHUP".*forwarding signal to the server/);
    expect(out).toMatch(/All dimensions are saved/);
    expect(out).not.toMatch(/Stopping the server/);
  });

  it('exits 1 with the reason when the server command cannot be started', async () => {
    const dir = await makeTempDir('bridge-nostart-');
    writeFileSync(join(dir, 'pw'), 'x\n');
    const proc = startProcess(process.execPath, [appBundle('rcon-bridge'), '--', join(dir, 'no-such-java'), '-jar', 'server.jar'], {
      env: {
        RCON_PORT: '1',
        RCON_PASSWORD_FILE: join(dir, 'pw'),
        BRIDGE_SOCKET: join(dir, 'rcon.sock'),
        HEALTH_LISTEN: join(dir, 'h.sock'),
      },
    });
    expect(await proc.waitExit()).toMatchObject({ code: 1 });
    expect(proc.stdout.join('\n')).toMatch(/minecraft server could not start: .*ENOENT/);
  });
});
