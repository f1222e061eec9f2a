import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RconClient } from '@homelab/rcon';
import { closeAfter, makeTempDir, RawPeer, socatTo, startBridge, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { logReader } from './log-reader.js';

// Issue 12, class 5: the bridge bounds its clients (timeouts, a connection cap, history in chunks).
useCleanup();
const run = promisify(execFile);

function client(path: string, password = ''): RconClient {
  const c = new RconClient({ target: { path }, password, reconnect: false });
  closeAfter(() => c.close());
  return c;
}

describe('rcon-bridge bounds its clients', () => {
  it('a client that sends nothing, half a packet, or nothing after its login is disconnected with a clear reply; busy clients are not', async () => {
    const { socket, backupSocket, logSocket, bridge } = await startBridge({
      env: { BRIDGE_CLIENT_TIMEOUT: '1s', BRIDGE_CLIENT_IDLE_TIMEOUT: '3s' },
    });
    const silent = await RawPeer.open({ path: socket });
    const half = await RawPeer.open({ path: backupSocket });
    half.write(Buffer.from([20, 0, 0, 0, 1, 0, 0]));
    const idle = await RawPeer.open({ path: socket });
    idle.send(1, 3, '');
    await waitFor(() => idle.packets.length === 1, { what: 'the login reply' });
    const busy = client(socket);
    await busy.connect();
    let dropped = false;
    busy.on('disconnect', () => {
      dropped = true;
    });
    const reader = logReader(logSocket);

    await waitFor(() => silent.closed && half.closed, { what: 'the silent and the half-packet client to be closed', timeoutMs: 30_000 });
    expect(silent.packets.map((p) => p.payload)).toEqual([
      'rcon-bridge: error: no login within 1s (BRIDGE_CLIENT_TIMEOUT); closing the connection',
    ]);
    expect(half.packets.map((p) => p.payload)).toEqual([
      'rcon-bridge: error: half a packet and nothing more for 1s (BRIDGE_CLIENT_TIMEOUT); closing the connection',
    ]);
    // The busy client keeps sending: every command is answered, the idle timeout never hits it.
    for (let i = 0; i < 12; i++) {
      expect(await busy.command(`echo busy-${i}`)).toBe(`busy-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await waitFor(() => idle.closed, { what: 'the idle client to be closed', timeoutMs: 30_000 });
    expect(idle.packets.slice(1).map((p) => p.payload)).toEqual([
      'rcon-bridge: error: no request for 3s (BRIDGE_CLIENT_IDLE_TIMEOUT); closing the connection',
    ]);
    expect(dropped).toBe(false);
    // A log client that reads is never idle: it only listens.
    expect(reader.closed).toBe(false);
    await bridge.proc.waitForLine(/no login within 1s/);
    expect(bridge.proc.exitInfo).toBeUndefined();
  });

  it('the connection after BRIDGE_MAX_CLIENTS gets a one-line refusal and is closed; the first ones keep working', async () => {
    const { socket, logSocket, mc } = await startBridge({ env: { BRIDGE_MAX_CLIENTS: '3', BRIDGE_SOCKET_PASSWORD: 'pw' } });
    const first = Array.from({ length: 3 }, () => new RconClient({ target: { path: socket }, password: 'pw', reconnect: false }));
    for (const c of first) closeAfter(() => c.close());
    await Promise.all(first.map((c) => c.connect()));

    const extra = await RawPeer.open({ path: socket });
    await waitFor(() => extra.closed, { what: 'the 4th connection to be closed' });
    expect(extra.packets.map((p) => p.payload)).toEqual([
      'rcon-bridge: error: too many clients (3 connected, BRIDGE_MAX_CLIENTS=3); try again later',
    ]);
    // Our client says why, instead of "closed during login".
    await expect(new RconClient({ target: { path: socket }, password: 'pw', reconnect: false }).connect()).rejects.toThrow(
      /too many clients \(3 connected, BRIDGE_MAX_CLIENTS=3\)/,
    );
    // Debian's rconclt through socat: it skips the reply while waiting for its login answer, then
    // fails at once on the closed connection (exit 1), not after its timeout, and runs nothing.
    const port = await socatTo(socket);
    const outside = await run('rconclt', ['-t', '10', `pw@127.0.0.1:${port}`, 'list'], { timeout: 20_000 }).then(
      (ok) => ({ ...ok, code: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/EmptyResponse/);
    expect(outside.stdout).not.toMatch(/There are/);

    for (const [i, c] of first.entries()) expect(await c.command(`echo still-${i}`)).toBe(`still-${i}`);
    await first[0]?.close();
    const next = client(socket, 'pw');
    await waitFor(
      async () =>
        (await next.connect().then(
          () => true,
          () => false,
        )) || undefined,
      { what: 'a freed slot' },
    );
    expect(await next.command('list')).toMatch(/^There are 0 of a max/);

    // The log socket has its own cap: the refusal is one text line, then the end of the stream.
    const readers = [logReader(logSocket), logReader(logSocket), logReader(logSocket)];
    await waitFor(() => readers.every((r) => r.lines.length > 0), { what: 'three log clients' });
    const refused = logReader(logSocket);
    await waitFor(() => refused.closed, { what: 'the 4th log client to be closed' });
    expect(refused.lines).toEqual(['rcon-bridge: error: too many clients (3 connected, BRIDGE_MAX_CLIENTS=3); try again later']);
    expect(readers.some((r) => r.closed)).toBe(false);
    expect(mc.proc.exitInfo).toBeUndefined();
  });

  it('a large BRIDGE_LOG_HISTORY reaches a slow reader whole, in order, then live lines; other clients are served meanwhile', async () => {
    const dir = await makeTempDir('bridge-history-');
    const file = join(dir, 'big.log');
    const lines = 100_000;
    // About 12 MB of history: far more than any socket buffer or the old 1 MiB unread limit.
    writeFileSync(file, Array.from({ length: lines }, (_, i) => `history-${String(i).padStart(6, '0')} ${'x'.repeat(100)}\n`).join(''));
    const { socket, logSocket, bridge } = await startBridge({ env: { BRIDGE_LOG_FILE: file, BRIDGE_LOG_HISTORY: String(lines) } });
    const slow = [logReader(logSocket, { slow: true }), logReader(logSocket, { slow: true })];
    const rcon = client(socket);
    // While the histories go out, commands are answered.
    for (let i = 0; i < 5; i++) expect(await rcon.command(`echo during-${i}`)).toBe(`during-${i}`);
    writeFileSync(file, 'live-after-history\n', { flag: 'a' });
    for (const reader of slow) {
      await waitFor(() => reader.lines.at(-1) === 'live-after-history' || reader.closed || undefined, {
        what: 'the whole history and the live line',
        timeoutMs: 120_000,
      });
      expect(reader.closed).toBe(false);
      expect(reader.lines).toHaveLength(lines + 1);
      expect(reader.lines[0]).toMatch(/^history-000000 /);
      expect(reader.lines[lines - 1]).toMatch(/^history-099999 /);
      expect(reader.lines.slice(0, lines).every((l, i) => l.startsWith(`history-${String(i).padStart(6, '0')} `))).toBe(true);
    }
    expect(bridge.proc.output).not.toMatch(/does not read/);
  });

  it('a log client that reads nothing while its history waits is dropped after BRIDGE_CLIENT_IDLE_TIMEOUT; the others go on', async () => {
    const dir = await makeTempDir('bridge-stall-');
    const file = join(dir, 'big.log');
    writeFileSync(file, Array.from({ length: 50_000 }, (_, i) => `line-${i} ${'y'.repeat(100)}\n`).join(''));
    const { logSocket, bridge } = await startBridge({
      env: { BRIDGE_LOG_FILE: file, BRIDGE_LOG_HISTORY: '50000', BRIDGE_CLIENT_IDLE_TIMEOUT: '3s' },
    });
    const deaf = logReader(logSocket);
    deaf.socket.pause();
    const reading = logReader(logSocket);
    await bridge.proc.waitForLine(/read nothing for 3s \(BRIDGE_CLIENT_IDLE_TIMEOUT\)/, 30_000);
    // A paused socket does not see its end: read what is left, then the close.
    deaf.socket.resume();
    await waitFor(() => deaf.closed, { what: 'the deaf log client to be closed' });
    expect(deaf.lines.length).toBeLessThan(50_000);
    writeFileSync(file, 'live-after-drop\n', { flag: 'a' });
    await waitFor(() => reading.lines.at(-1) === 'live-after-drop', { what: 'the reading client to go on', timeoutMs: 60_000 });
    expect(reading.lines).toHaveLength(50_001);
    expect(reading.closed).toBe(false);
  });
});
