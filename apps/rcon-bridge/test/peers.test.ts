import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RconClient } from '@homelab/rcon';
import { bigReplyText, closeAfter, socatTo, startBridge, upstreamConnections, upstreamTrouble, useCleanup } from '@homelab/testkit';
import { Rcon } from 'rcon-client';
import { describe, expect, it } from 'vitest';

useCleanup();
const run = promisify(execFile);

describe('rcon-bridge with outside peers', () => {
  it('rconclt and npm rcon-client through socat run list and get the right answer', async () => {
    const { socket, mc, bridge } = await startBridge({ env: { BRIDGE_SOCKET_PASSWORD: 'bridge-pw' }, mc: { players: ['alice', 'bob'] } });
    const port = await socatTo(socket);
    const expected = 'There are 2 of a max of 20 players online: alice, bob';
    const { stdout } = await run('rconclt', ['-t', '10', `bridge-pw@127.0.0.1:${port}`, 'list'], { timeout: 20_000 });
    expect(stdout.trim()).toBe(expected);
    const wrong = await run('rconclt', ['-t', '10', `nope@127.0.0.1:${port}`, 'list'], { timeout: 20_000 }).catch(
      (e: { stderr: string; stdout: string }) => e,
    );
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/[Ww]rong password/);
    const rc = new Rcon({ host: '127.0.0.1', port, password: 'bridge-pw', timeout: 10_000 });
    rc.on('error', () => {});
    await rc.connect();
    closeAfter(() => rc.end().catch(() => {})); // rcon-client's end() rejects once the connection is gone
    expect(await rc.send('list')).toBe(expected);
    expect(await rc.send('time query gametime')).toMatch(/^The time is \d+$/);
    expect(upstreamTrouble(mc)).toEqual([]);
    // The upstream password never left: outside peers only know the bridge's; no log line shows either.
    expect(mc.password).not.toBe('bridge-pw');
    expect(bridge.proc.output).not.toContain(mc.password);
    expect(bridge.proc.output).not.toContain('bridge-pw');
  });

  it('our client over the unix socket gets a 20,000-char non-ASCII bigreply whole and in order', async () => {
    const { socket, mc } = await startBridge();
    const client = new RconClient({ target: { path: socket }, password: '' });
    closeAfter(() => client.close());
    for (const n of [20_000, 4096, 8192, 0]) expect(await client.command(`bigreply ${n}`)).toBe(bigReplyText(n));
    expect(bigReplyText(20_000)).toMatch(/ä.*€/);
    expect(upstreamTrouble(mc)).toEqual([]);
  });

  it('20 clients x 200 commands at once: each gets exactly its own replies in order; upstream sees one clean connection', async () => {
    const { socket, mc } = await startBridge();
    const clients = Array.from({ length: 20 }, () => new RconClient({ target: { path: socket }, password: '' }));
    for (const c of clients) closeAfter(() => c.close());
    await Promise.all(clients.map((c) => c.connect()));
    const results = await Promise.all(
      clients.map(async (c, ci) => {
        // Each client pipelines all 200 at once; its replies must come back in its own order.
        const commands = Array.from({ length: 200 }, (_, i) => (i % 50 === 7 ? `bigreply ${5000 + ci}` : `echo client-${ci}-cmd-${i}`));
        const replies = await Promise.all(commands.map((cmd) => c.command(cmd)));
        const expected = commands.map((cmd) => (cmd.startsWith('bigreply') ? bigReplyText(5000 + ci) : cmd.slice(5)));
        return replies.every((r, i) => r === expected[i]);
      }),
    );
    expect(results).toEqual(Array(20).fill(true));
    expect(upstreamTrouble(mc)).toEqual([]);
    expect(upstreamConnections(mc)).toBe(1);
  });
});
