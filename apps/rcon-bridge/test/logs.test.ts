import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RconClient } from '@homelab/rcon';
import { closeAfter, freePort, makeTempDir, sleep, startApp, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { logReader } from './log-reader.js';
import { supervisedServer } from './supervised.js';

useCleanup();

describe('rcon-bridge log socket', () => {
  it('streams the supervised server: history first, then live lines', async () => {
    const dir = await makeTempDir('bridge-logs-');
    const logSocket = join(dir, 'log.sock');
    const server = await supervisedServer(dir);
    const rconSocket = server.socket;
    const bridge = await startApp('rcon-bridge', server.args, {
      env: { ...server.env, BRIDGE_LOG_SOCKET: logSocket, BRIDGE_LOG_HISTORY: '5' },
    });
    // The server's own lines also stay in the container log (the bridge's stdout).
    await bridge.proc.waitForLine(/\[Server thread\/INFO\]: RCON running on/);
    const first = logReader(logSocket);
    await waitFor(() => first.lines.length >= 5, { what: 'the history' });
    const history = first.lines.slice(0, 5);
    expect(history.join('\n')).toMatch(/RCON running on/);
    expect(history.join('\n')).not.toMatch(/Starting minecraft server/); // only the last 5
    const client = new RconClient({ target: { path: rconSocket }, password: '' });
    closeAfter(() => client.close());
    await client.command('say hello-live');
    await waitFor(() => first.lines.some((l) => /\[Server thread\/INFO\]: \[Rcon\] hello-live$/.test(l)), { what: 'the live line' });
    const second = logReader(logSocket);
    await waitFor(() => second.lines.some((l) => /hello-live/.test(l)), { what: 'a new client to get the line in its history' });
  });

  it('follows BRIDGE_LOG_FILE through appends, rotation and truncation', async () => {
    const dir = await makeTempDir('bridge-follow-');
    const file = join(dir, 'latest.log');
    writeFileSync(file, Array.from({ length: 300 }, (_, i) => `old-${i}\n`).join(''));
    const port = await freePort();
    writeFileSync(join(dir, 'pw'), 'x\n');
    const logSocket = join(dir, 'log.sock');
    await startApp('rcon-bridge', ['run'], {
      waitReady: 'healthz',
      env: {
        RCON_PORT: String(port),
        RCON_PASSWORD_FILE: join(dir, 'pw'),
        BRIDGE_SOCKET: join(dir, 'rcon.sock'),
        BRIDGE_LOG_SOCKET: logSocket,
        BRIDGE_LOG_FILE: file,
      },
    });
    const reader = logReader(logSocket);
    await waitFor(() => reader.lines.length >= 200, { what: 'the last 200 lines' });
    expect(reader.lines[0]).toBe('old-100');
    expect(reader.lines.at(-1)).toBe('old-299');
    appendFileSync(file, 'appended\n');
    await waitFor(() => reader.lines.at(-1) === 'appended', { what: 'an appended line' });
    appendFileSync(file, 'last-before-rotation\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'after-rotation\n');
    await waitFor(() => reader.lines.at(-1) === 'after-rotation', { what: 'the rotated file' });
    expect(reader.lines.slice(-2)).toEqual(['last-before-rotation', 'after-rotation']);
    truncateSync(file, 0);
    // Polling (250 ms) sees a truncation only if it looks before the file regrows past the old size.
    await sleep(1_500);
    appendFileSync(file, 'after-truncation\n');
    await waitFor(() => reader.lines.at(-1) === 'after-truncation', { what: 'the truncated file' });
    expect(reader.lines.filter((l) => l === 'after-rotation')).toHaveLength(1);
  });
});
