import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { encodePacket, RconClient } from '@homelab/rcon';
import { closeAfter, freePort, sleep, useCleanup, waitFor } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import { RawPeer } from '../raw-peer.js';
import { bigReplyText } from './java-text.js';
import { encodeFrame, varInt, writeString } from './protocol.js';
import { startFakeMinecraft } from './start.js';
import { minecraftStatus } from './status-client.js';
import { regionProblem, verifyWorld } from './world-file.js';

useCleanup();

const peer = (port: number) => RawPeer.open({ host: '127.0.0.1', port });

describe('fake Minecraft server: RCON quirks of vanilla', () => {
  it('answers -1 to a bad or empty login and to a command before login, Unknown request to other types', async () => {
    const mc = await startFakeMinecraft();
    const p = await peer(mc.port);
    await p.request(1, 2, 'list');
    await p.request(2, 3, '');
    await p.request(3, 3, 'wrong');
    await p.request(4, 3, mc.password);
    await p.request(5, 100, '');
    await p.request(6, 2, 'list');
    expect(p.packets.map((x) => [x.id, x.type, x.payload])).toEqual([
      [-1, 2, ''],
      [-1, 2, ''],
      [-1, 2, ''],
      [4, 2, ''],
      [5, 0, 'Unknown request 64'],
      [6, 0, 'There are 0 of a max of 20 players online: '],
    ]);
  });

  it('drops the connection when two packets arrive in one read, and on a request over 1446 bytes', async () => {
    const mc = await startFakeMinecraft();
    const p = await peer(mc.port);
    p.write(Buffer.concat([encodePacket(1, 3, mc.password), encodePacket(2, 2, 'list')]));
    await waitFor(() => p.closed, { what: 'the fake to drop the connection' });
    await mc.proc.waitForLine(/dropped connection: one read held more than one packet/);
    const q = await peer(mc.port);
    q.send(1, 3, mc.password);
    await waitFor(() => q.packets.length === 1);
    q.send(2, 2, `say ${'x'.repeat(1443)}`);
    await waitFor(() => q.closed, { what: 'the fake to drop a 1447-byte request' });
    const r = await peer(mc.port);
    r.send(1, 3, mc.password);
    await waitFor(() => r.packets.length === 1);
    r.send(2, 2, `say ${'y'.repeat(1442)}`);
    await waitFor(() => r.packets.length === 2, { what: 'a 1446-byte request to be answered' });
    expect(r.closed).toBe(false);
  });

  it('splits replies every 4096 chars with no end marker, non-ASCII counted in Java chars', async () => {
    const mc = await startFakeMinecraft();
    const p = await peer(mc.port);
    p.send(1, 3, mc.password);
    await waitFor(() => p.packets.length === 1);
    p.send(7, 2, 'bigreply 9000');
    await waitFor(() => p.packets.length === 4);
    await sleep(100);
    const fragments = p.packets.slice(1);
    expect(fragments.map((f) => [f.id, f.payload.length])).toEqual([
      [7, 4096],
      [7, 4096],
      [7, 808],
    ]);
    expect(fragments.map((f) => f.payload).join('')).toBe(bigReplyText(9000));
    expect(fragments[0]?.payloadBytes).toBeGreaterThan(4096);
  });

  it('shares one output buffer between connections (replies mix when two run at once)', async () => {
    const mc = await startFakeMinecraft({ args: ['--command-delay-ms', '400'] });
    const a = new RconClient({ target: { host: '127.0.0.1', port: mc.port }, password: mc.password });
    const b = new RconClient({ target: { host: '127.0.0.1', port: mc.port }, password: mc.password });
    closeAfter(() => a.close());
    closeAfter(() => b.close());
    await Promise.all([a.connect(), b.connect()]);
    const [ra, rb] = await Promise.all([a.command('bigreply 5'), b.command('time query gametime')]);
    // Both cleared the one buffer before either ran; whichever ran second reads both outputs.
    const mixed = [ra, rb].filter((r) => /^(01234The time is \d+|The time is \d+01234)$/.test(r));
    expect(mixed).toHaveLength(1);
  });
});

describe('fake Minecraft server: world and lifecycle', () => {
  it('writes files at a steady rate, none while save-off, flushes on save-all flush, logs like vanilla', async () => {
    const mc = await startFakeMinecraft({ args: ['--write-interval-ms', '40'] });
    const c = new RconClient({ target: { host: '127.0.0.1', port: mc.port }, password: mc.password });
    closeAfter(() => c.close());
    const mtimes = () =>
      ['region/r.-1.-1.mca', 'region/r.0.-1.mca', 'region/r.1.-1.mca', 'region/r.-1.0.mca', 'region/r.0.0.mca', 'region/r.1.0.mca']
        .map((f) => statSync(join(mc.world, f)).mtimeMs)
        .join(',');
    const first = mtimes();
    await waitFor(() => mtimes() !== first, { what: 'the world writer to write' });
    expect(await c.command('save-off')).toBe('Automatic saving is now disabled');
    expect(await c.command('save-all flush')).toBe('Saving the game (this may take a moment!)Saved the game');
    expect(verifyWorld(mc.world)).toMatchObject({ ok: true, bad: [] });
    const frozen = mtimes();
    await sleep(400);
    expect(mtimes()).toBe(frozen);
    expect(verifyWorld(mc.world).ok).toBe(true);
    expect(await c.command('save-on')).toBe('Automatic saving is now enabled');
    await waitFor(() => mtimes() !== frozen, { what: 'writes to resume after save-on' });
    const log = readFileSync(mc.logFile, 'utf8');
    expect(log).toMatch(/^\[\d\d:\d\d:\d\d\] \[Server thread\/INFO\]: \[Rcon: Automatic saving is now disabled\]$/m);
    expect(log).toMatch(/\[Rcon: Saved the game\]/);
    expect(log).toMatch(/\[Rcon: Automatic saving is now enabled\]/);
    expect(mc.proc.stdout.join('\n')).toMatch(/\[Rcon: Automatic saving is now enabled\]/);
  });

  it('stop replies, saves and exits 0; SIGTERM saves and exits 143 like the JVM', async () => {
    const mc = await startFakeMinecraft();
    const c = new RconClient({ target: { host: '127.0.0.1', port: mc.port }, password: mc.password, reconnect: false });
    closeAfter(() => c.close());
    expect(await c.command('stop')).toBe('Stopping the server');
    expect(await mc.proc.waitExit()).toMatchObject({ code: 0 });
    expect(mc.proc.output).toMatch(/All dimensions are saved/);
    expect(verifyWorld(mc.world).ok).toBe(true);
    const again = await startFakeMinecraft({ world: mc.world });
    again.proc.signal('SIGTERM');
    expect(await again.proc.waitExit()).toMatchObject({ code: 143 });
    expect(again.proc.output).toMatch(/All chunks are saved/);
    expect(verifyWorld(mc.world)).toMatchObject({ ok: true });
  });
});

describe('fake Minecraft server: players and world files as vanilla writes them', () => {
  it('logs join and leave lines like vanilla, lists the players, kicks them at stop', async () => {
    const mc = await startFakeMinecraft({ players: ['Alex'] });
    const c = new RconClient({ target: { host: '127.0.0.1', port: mc.port }, password: mc.password });
    closeAfter(() => c.close());
    await mc.join('Steve');
    expect(await c.command('list')).toBe('There are 2 of a max of 20 players online: Alex, Steve');
    await mc.leave('Alex');
    expect(await c.command('list')).toBe('There are 1 of a max of 20 players online: Steve');
    const log = readFileSync(mc.logFile, 'utf8');
    expect(log).toMatch(/^\[\d\d:\d\d:\d\d\] \[User Authenticator #1\/INFO\]: UUID of player Steve is [0-9a-f-]{36}$/m);
    expect(log).toMatch(
      /^\[\d\d:\d\d:\d\d\] \[Server thread\/INFO\]: Steve\[\/127\.0\.0\.1:\d+\] logged in with entity id \d+ at \(8\.5, 64\.0, 8\.5\)$/m,
    );
    expect(log).toMatch(/^\[\d\d:\d\d:\d\d\] \[Server thread\/INFO\]: Steve joined the game$/m);
    expect(log).toMatch(/^\[\d\d:\d\d:\d\d\] \[Server thread\/INFO\]: Alex lost connection: Disconnected$/m);
    expect(log).toMatch(/^\[\d\d:\d\d:\d\d\] \[Server thread\/INFO\]: Alex left the game$/m);
    mc.console('fake:join bad-name!');
    await mc.proc.waitForLine(/console: not a player name: bad-name!/);
    mc.console('say hello from the console');
    await mc.proc.waitForLine(/\[Server thread\/INFO\]: \[Server\] hello from the console$/);
    mc.proc.signal('SIGTERM');
    await mc.proc.waitExit();
    expect(mc.proc.stdout.join('\n')).toMatch(/Steve lost connection: Server closed\n.*Steve left the game/);
  });

  it('writes Anvil region files with zlib chunks and a gzip NBT level.dat; a torn copy is found', async () => {
    // No steady writes while it reads the files (each one is torn on purpose for a while): only the fresh world.
    const mc = await startFakeMinecraft({ args: ['--region-kib', '64', '--write-interval-ms', '3600000'] });
    const region = readFileSync(join(mc.world, 'region', 'r.0.0.mca'));
    expect(region.length % 4096).toBe(0);
    expect(regionProblem(region)).toBeUndefined();
    // The first chunk: location table entry 0 points at sector 2, its header says zlib.
    expect(region.readUIntBE(0, 3)).toBe(2);
    expect(region.readUInt32BE(4096)).toBeGreaterThan(1_700_000_000);
    const length = region.readUInt32BE(2 * 4096);
    expect(region[2 * 4096 + 4]).toBe(2);
    const nbt = inflateSync(region.subarray(2 * 4096 + 5, 2 * 4096 + 4 + length));
    expect(nbt[0]).toBe(10);
    expect(nbt.includes(Buffer.from('DataVersion'))).toBe(true);
    const level = gunzipSync(readFileSync(join(mc.world, 'level.dat')));
    expect([level[0], level.readUInt16BE(1), level[3], level.toString('utf8', 6, 10)]).toEqual([10, 0, 10, 'Data']);
    expect(level.includes(Buffer.from('LevelName'))).toBe(true);
    expect(verifyWorld(mc.world)).toMatchObject({ ok: true, files: 10 });
    await mc.stop();
    writeFileSync(join(mc.world, 'region', 'r.0.0.mca'), region.subarray(0, region.length / 2));
    writeFileSync(join(mc.world, 'level.dat'), readFileSync(join(mc.world, 'level.dat')).subarray(0, 100));
    expect(verifyWorld(mc.world).bad.sort()).toEqual(['level.dat', join('region', 'r.0.0.mca')]);
  });

  it('with --game-port answers the server list ping on the game port and refuses a login', async () => {
    const gamePort = await freePort();
    const mc = await startFakeMinecraft({ players: ['Steve'], args: ['--game-port', String(gamePort), '--game-host', '127.0.0.1'] });
    await mc.proc.waitForLine(new RegExp(`Starting Minecraft server on 127\\.0\\.0\\.1:${gamePort}`));
    const status = await minecraftStatus('127.0.0.1', gamePort);
    expect(status).toMatchObject({
      version: { name: '1.21.1', protocol: 767 },
      players: { max: 20, online: 1 },
      description: { text: 'A Minecraft Server' },
    });
    await mc.proc.waitForLine(/\[Server Connection Thread\/INFO\]: status request from \/127\.0\.0\.1:\d+$/);
    // A login (next state 2) gets a login Disconnect with a reason, then the connection closes.
    const socket = connect(gamePort, '127.0.0.1');
    const port16 = Buffer.alloc(2);
    port16.writeUInt16BE(gamePort);
    socket.write(encodeFrame(0, Buffer.concat([varInt(767), writeString('127.0.0.1'), port16, varInt(2)])));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Buffer.concat(chunks).toString('utf8')).toContain('This test server takes no players');
    // Garbage on the game port closes that connection; the server keeps answering.
    const junk = connect(gamePort, '127.0.0.1');
    junk.write(Buffer.alloc(8, 0xff));
    await new Promise((resolve) => junk.once('close', resolve));
    expect((await minecraftStatus('127.0.0.1', gamePort)).players.online).toBe(1);
    await mc.stop();
  });

  it('without --game-port opens no game port', async () => {
    const mc = await startFakeMinecraft();
    expect(mc.proc.stdout.join('\n')).not.toMatch(/Starting Minecraft server on/);
    await mc.stop();
  });
});
