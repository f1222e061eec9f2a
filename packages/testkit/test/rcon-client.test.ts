import { createServer } from 'node:net';
import { isRconError, RconClient } from '@homelab/rcon';
import { closeAfter, startProcess, useCleanup, waitFor } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import { bigReplyText, startFakeMinecraft } from '../src/fake-minecraft/index.js';

// packages/rcon's client against testkit's fake vanilla server: it lives here because testkit
// depends on @homelab/rcon, so rcon's own tests cannot use the fake without a dependency cycle.

useCleanup();
function client(port: number, password: string, extra: Partial<ConstructorParameters<typeof RconClient>[0]> = {}): RconClient {
  const c = new RconClient({ target: { host: '127.0.0.1', port }, password, backoff: { minMs: 50, maxMs: 200 }, ...extra });
  closeAfter(() => c.close());
  return c;
}

describe('RconClient against the fake vanilla server', () => {
  it('logs in, runs commands and reassembles long replies (also exactly 4096 chars, via the probe)', async () => {
    const mc = await startFakeMinecraft({ players: ['alice', 'bob'] });
    const c = client(mc.port, mc.password);
    await c.connect();
    expect(await c.command('list')).toBe('There are 2 of a max of 20 players online: alice, bob');
    for (const n of [0, 1, 4095, 4096, 4097, 8192, 20_000]) {
      expect(await c.command(`bigreply ${n}`)).toBe(bigReplyText(n));
    }
    expect(await c.command('save-all flush')).toBe('Saving the game (this may take a moment!)Saved the game');
    expect(mc.proc.output).not.toMatch(/dropped connection/);
  });

  it('keeps many concurrent callers in order on one connection without two packets in one read', async () => {
    const mc = await startFakeMinecraft();
    const c = client(mc.port, mc.password);
    const sizes = Array.from({ length: 120 }, (_, i) => (i * 613) % 9000);
    const replies = await Promise.all(sizes.map((n) => c.command(`bigreply ${n}`)));
    expect(replies).toEqual(sizes.map((n) => bigReplyText(n)));
    expect(mc.proc.output).not.toMatch(/dropped connection/);
    expect(mc.proc.stdout.filter((l) => /Thread RCON Client .* started/.test(l))).toHaveLength(1);
  });

  it('fails with AUTH_FAILED on a wrong password and REFUSED when nothing listens', async () => {
    const mc = await startFakeMinecraft();
    await expect(client(mc.port, 'wrong', { reconnect: false }).connect()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(client(mc.port, '', { reconnect: false }).connect()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(client(1, 'x', { reconnect: false }).connect()).rejects.toMatchObject({ code: 'REFUSED' });
    await expect(client(mc.port, mc.password).command('x'.repeat(1447))).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });

  it('times out a slow command, resets the connection and carries on', async () => {
    const mc = await startFakeMinecraft({ args: ['--command-delay-ms', '400'] });
    const c = client(mc.port, mc.password);
    await c.connect();
    await expect(c.command('list', { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    // Vanilla's one shared output buffer: the timed-out `list` still runs and its text lands in
    // the next reply. That is why the bridge never runs two commands at once upstream.
    expect(await c.command('time query gametime', { timeoutMs: 5_000 })).toMatch(/^(There are 0 .*)?The time is \d+$/);
    expect(await c.command('time query gametime')).toMatch(/^The time is \d+$/);
  });

  it('an aborted queued command never reaches the server', async () => {
    const mc = await startFakeMinecraft({ args: ['--command-delay-ms', '200'] });
    const c = client(mc.port, mc.password);
    await c.connect();
    const controller = new AbortController();
    const first = c.command('say first');
    const second = c.command('say second', { signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'ABORTED' });
    await first;
    await c.command('list');
    expect(mc.proc.output).toMatch(/\[Rcon\] first/);
    expect(mc.proc.output).not.toMatch(/\[Rcon\] second/);
  });

  it('fails fast while the server is down and reconnects on its own', async () => {
    const mc = await startFakeMinecraft();
    const c = client(mc.port, mc.password);
    await c.connect();
    mc.proc.signal('SIGKILL');
    await mc.proc.exited;
    await waitFor(() => c.state === 'backoff', { what: 'client to notice the drop' });
    const started = Date.now();
    const error = await c.command('list').catch((e: unknown) => e);
    expect(isRconError(error, 'DISCONNECTED')).toBe(true);
    // Far below the 30 s command timeout: it failed at once instead of waiting.
    expect(Date.now() - started).toBeLessThan(5_000);
    const again = startProcess(process.execPath, mc.argv, { label: 'fake-minecraft-2' });
    await again.waitForLine(/RCON running on/);
    await waitFor(() => c.state === 'ready', { timeoutMs: 10_000, what: 'client to reconnect' });
    expect(c.reconnects).toBe(1);
    expect(await c.command('list')).toMatch(/^There are 0/);
  });

  it('survives ECONNRESET during login and mid-command without an unhandled error', async () => {
    let mode: 'login' | 'command' = 'login';
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (chunk) => {
        if (mode === 'login') return socket.resetAndDestroy();
        const id = chunk.readInt32LE(4);
        const ok = Buffer.alloc(14);
        ok.writeInt32LE(10, 0);
        ok.writeInt32LE(id, 4);
        ok.writeInt32LE(2, 8);
        socket.write(ok);
        socket.once('data', () => socket.resetAndDestroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const c = client(port, 'pw', { reconnect: false });
      await expect(c.connect()).rejects.toMatchObject({ code: 'REFUSED' });
      mode = 'command';
      const d = client(port, 'pw');
      await d.connect();
      await expect(d.command('list')).rejects.toMatchObject({ code: 'DISCONNECTED' });
      await waitFor(() => d.state === 'ready', { what: 'a reconnect after the reset' });
    } finally {
      server.close();
    }
  });
});
