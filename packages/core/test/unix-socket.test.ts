import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenUnixSocket, removeStaleSocket } from '../src/unix-socket.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'core-socket-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('unix sockets', () => {
  it('listens over a socket file a dead process left behind, and applies the mode', async () => {
    const path = join(tempDir(), 'sub', 'x.sock');
    mkdirSync(dirname(path));
    // A crashed owner: killed while listening, it leaves the socket file behind (close() would remove it).
    const listenThenDie = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', listenThenDie]);
    expect(lstatSync(path).isSocket()).toBe(true);
    const second = createServer((socket) => socket.end('hi'));
    await listenUnixSocket(second, path, 0o660);
    const reply = await new Promise<string>((resolve, reject) => {
      const client = connect(path);
      let text = '';
      client.on('data', (chunk) => {
        text += chunk;
      });
      client.on('end', () => resolve(text));
      client.on('error', reject);
    });
    expect(reply).toBe('hi');
    expect(statSync(path).mode & 0o777).toBe(0o660);
    await new Promise((resolve) => second.close(resolve));
  });

  it('refuses to replace a file that is not a socket', () => {
    const path = join(tempDir(), 'data.txt');
    writeFileSync(path, 'keep me');
    expect(() => removeStaleSocket(path)).toThrow(/exists and is not a socket; refusing to replace it/);
  });
});
