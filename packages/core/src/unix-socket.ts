import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { dirname } from 'node:path';

/**
 * Removes the socket file a previous run left behind (a unix socket outlives its process), so
 * listening does not fail with EADDRINUSE. Anything that is not a socket is refused, never removed.
 */
export function removeStaleSocket(path: string): void {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  unlinkSync(path);
}

/** Listens on a unix socket: its folder made, a stale socket file replaced, then `mode` applied. */
export async function listenUnixSocket(server: Server, path: string, mode: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, mode);
}
