import { encodePacket, RconClient } from '@homelab/rcon';
import { closeAfter, RawPeer, startBridge, upstreamConnections, upstreamTrouble, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

useCleanup();

describe('rcon-bridge sockets', () => {
  it('the restricted socket refuses op, stop, whitelist add and a 5,000-byte payload; none reaches the server', async () => {
    const { backupSocket, mc, bridge } = await startBridge();
    const peer = await RawPeer.open({ path: backupSocket });
    await peer.ask(1, 3, 'anything');
    for (const command of ['op alice', 'stop', 'whitelist add x', `say ${'x'.repeat(4996)}`]) {
      expect(await peer.ask(2, 2, command)).toMatch(/^rcon-bridge: refused[: ].*nothing was sent to the server$/);
    }
    expect(await peer.ask(3, 2, 'save-off')).toBe('Automatic saving is now disabled');
    expect(await peer.ask(4, 2, 'save-all flush')).toBe('Saving the game (this may take a moment!)Saved the game');
    expect(await peer.ask(5, 2, 'save-on')).toBe('Automatic saving is now enabled');
    const out = mc.proc.output;
    expect(out).not.toMatch(/Made alice a server operator|Stopping|Added x to the whitelist|xxxxx/);
    expect(mc.proc.exitInfo).toBeUndefined();
    expect(await bridge.metrics()).toMatch(/rcon_bridge_commands_total\{socket="backup",outcome="refused",app="rcon-bridge"\} 4/);
  });

  it('survives a wrong password, garbage, a 2^31 length, a half packet and a client that never reads', async () => {
    const { socket, mc, bridge } = await startBridge({ env: { BRIDGE_SOCKET_PASSWORD: 'right' } });
    const good = new RconClient({ target: { path: socket }, password: 'right' });
    closeAfter(() => good.close());
    await good.connect();

    const wrong = await RawPeer.open({ path: socket });
    peerReplyIs(await wrong.request(1, 3, 'wrong'), -1);
    peerReplyIs(await wrong.request(2, 2, 'op mallory'), -1);

    const garbage = await RawPeer.open({ path: socket });
    garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: bridge\r\n\r\n'));
    await waitFor(() => garbage.closed, { what: 'the bridge to close a garbage connection' });

    const huge = await RawPeer.open({ path: socket });
    const header = Buffer.alloc(12);
    header.writeUInt32LE(2 ** 31, 0);
    huge.write(header);
    await waitFor(() => huge.closed, { what: 'the bridge to close a 2^31 length' });

    const half = await RawPeer.open({ path: socket });
    half.write(Buffer.from([20, 0, 0, 0, 1, 0, 0]));
    half.close();

    const tooBig = await RawPeer.open({ path: socket });
    await tooBig.ask(1, 3, 'right');
    expect(await tooBig.ask(2, 2, `say ${'y'.repeat(1443)}`)).toMatch(
      /^rcon-bridge: refused: a request of 1447 bytes is over the 1446-byte limit/,
    );

    const pipelined = await RawPeer.open({ path: socket });
    pipelined.send(1, 3, 'right');
    pipelined.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => encodePacket(100 + i, 2, `echo p${i}`))));
    await waitFor(() => pipelined.packets.length === 51, { what: '50 pipelined replies' });
    expect(pipelined.packets.slice(1).map((p) => `${p.id}:${p.payload}`)).toEqual(Array.from({ length: 50 }, (_, i) => `${100 + i}:p${i}`));

    const deaf = await RawPeer.open({ path: socket });
    deaf.socket.pause();
    deaf.send(1, 3, 'right');
    deaf.write(Buffer.concat(Array.from({ length: 400 }, (_, i) => encodePacket(i + 2, 2, 'bigreply 20000'))));
    // While the deaf client's replies pile up, everyone else is still served.
    for (let i = 0; i < 10; i++) expect(await good.command(`echo still-${i}`)).toBe(`still-${i}`);
    await bridge.proc.waitForLine(/does not read its replies; disconnecting it/, 30_000);
    // A paused socket does not see the end of its stream: read what is left, then the close.
    deaf.socket.resume();
    await waitFor(() => deaf.closed, { what: 'the deaf client to see its connection closed' });

    expect(await good.command('list')).toMatch(/^There are 0 of a max/);
    expect(out(mc)).not.toMatch(/mallory|yyyyy/);
    expect(upstreamTrouble(mc)).toEqual([]);
    expect(upstreamConnections(mc)).toBe(1);
    expect(bridge.proc.exitInfo).toBeUndefined();
  });
});

function out(mc: { proc: { output: string } }): string {
  return mc.proc.output;
}
function peerReplyIs(packet: { id: number; type: number } | undefined, id: number): void {
  expect(packet).toMatchObject({ id, type: 2 });
}
