import { join } from 'node:path';
import { RconClient, RconServer } from '@homelab/rcon';
import { closeAfter, makeTempDir, useCleanup, waitFor } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import { RawPeer } from '../src/raw-peer.js';

// packages/rcon's server driven by testkit's RawPeer: it lives here because testkit depends on
// @homelab/rcon, so rcon's own tests cannot use RawPeer without a dependency cycle.

useCleanup();

async function serve(opts: Partial<ConstructorParameters<typeof RconServer>[0]> = {}) {
  const path = join(await makeTempDir('rcon-server-'), 'rcon.sock');
  const seen: string[] = [];
  const server = new RconServer({
    handle: async (command) => {
      seen.push(command);
      if (command.startsWith('big ')) return 'ß'.repeat(Number(command.slice(4)));
      return `echo:${command}`;
    },
    ...opts,
  });
  await server.listen({ path, mode: 0o600 });
  closeAfter(() => server.close());
  return { path, server, seen };
}

describe('RconServer', () => {
  it('serves our client over a unix socket and re-splits long replies', async () => {
    const { path } = await serve({ password: 'pw' });
    const client = new RconClient({ target: { path }, password: 'pw' });
    closeAfter(() => client.close());
    await client.connect();
    expect(await client.command('hello')).toBe('echo:hello');
    expect(await client.command('big 10000')).toBe('ß'.repeat(10000));
    expect(await client.command('big 4096')).toBe('ß'.repeat(4096));
  });

  it('answers like vanilla: -1 on a bad login and before login, Unknown request for other types', async () => {
    const { path, seen } = await serve({ password: 'pw' });
    const peer = await RawPeer.open({ path });
    peer.send(5, 2, 'list');
    peer.send(6, 3, 'bad');
    peer.send(7, 3, 'pw');
    peer.send(8, 100, '');
    peer.send(9, 2, 'list');
    await waitFor(() => peer.packets.length >= 5);
    expect(peer.packets.map((p) => [p.id, p.type, p.payload])).toEqual([
      [-1, 2, ''],
      [-1, 2, ''],
      [7, 2, ''],
      [8, 0, 'Unknown request 64'],
      [9, 0, 'echo:list'],
    ]);
    expect(seen).toEqual(['list']);
  });

  it('refuses an oversized payload without handling it, and drops peers that send garbage or 2^31', async () => {
    const { path, seen } = await serve();
    const peer = await RawPeer.open({ path });
    peer.send(1, 3, 'anything');
    peer.send(2, 2, 'x'.repeat(5000));
    await waitFor(() => peer.packets.length >= 2);
    expect(peer.packets[1]?.payload).toMatch(/5000 bytes is over the 1446-byte limit/);
    expect(seen).toEqual([]);
    const garbage = await RawPeer.open({ path });
    garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitFor(() => garbage.closed);
    const huge = await RawPeer.open({ path });
    const header = Buffer.alloc(12);
    header.writeUInt32LE(2 ** 31, 0);
    huge.write(header);
    await waitFor(() => huge.closed);
    peer.send(3, 2, 'still here');
    await waitFor(() => peer.packets.length >= 3);
    expect(peer.packets[2]?.payload).toBe('echo:still here');
  });
});

describe('RconServer client limits', () => {
  it('closes a silent, a half-packet and an idle client with one id -1 reply; refuses over maxConnections; a busy client stays', async () => {
    const { path, server } = await serve({ clientTimeoutMs: 2_000, idleTimeoutMs: 4_000, maxConnections: 4 });
    const silent = await RawPeer.open({ path });
    const half = await RawPeer.open({ path });
    half.write(Buffer.from([30, 0, 0]));
    const idle = await RawPeer.open({ path });
    idle.send(1, 3, '');
    const busy = new RconClient({ target: { path }, password: '', reconnect: false });
    closeAfter(() => busy.close());
    await busy.connect();
    await expect(new RconClient({ target: { path }, password: '', reconnect: false }).connect()).rejects.toThrow(
      /closed the connection during login: error: too many clients \(4 connected, at most 4\)/,
    );
    await waitFor(() => silent.closed && half.closed);
    expect(silent.packets.map((p) => [p.id, p.type, p.payload])).toEqual([
      [-1, 0, 'error: no login within 2000 ms; closing the connection'],
    ]);
    expect(half.packets.map((p) => p.payload)).toEqual(['error: half a packet and nothing more for 2000 ms; closing the connection']);
    // Busy past the idle timeout: a request every 500 ms keeps it open.
    for (let i = 0; i < 12; i++) {
      expect(await busy.command(`n${i}`)).toBe(`echo:n${i}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await waitFor(() => idle.closed);
    expect(idle.packets.map((p) => p.payload)).toEqual(['', 'error: no request for 4000 ms; closing the connection']);
    expect(busy.state).toBe('ready');
    expect(server.connections).toBe(1);
  });
});
