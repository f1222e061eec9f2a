import { connect } from 'node:net';
import { join } from 'node:path';
import {
  type FakeMinecraft,
  type FakeMinecraftOptions,
  freePort,
  makeTempDir,
  type StartedApp,
  startApp,
  startFakeMinecraft,
  startProcess,
  waitFor,
} from './index.js';

export interface BridgeSetup {
  mc: FakeMinecraft;
  bridge: StartedApp;
  dir: string;
  socket: string;
  backupSocket: string;
  logSocket: string;
}

/** A fake Minecraft server and an rcon-bridge in front of it (not supervising it). */
export async function startBridge(
  opts: { env?: Record<string, string>; mc?: FakeMinecraftOptions; readyTimeoutMs?: number } = {},
): Promise<BridgeSetup> {
  const mc = await startFakeMinecraft(opts.mc);
  const dir = await makeTempDir('bridge-');
  const socket = join(dir, 'rcon.sock');
  const backupSocket = join(dir, 'backup.sock');
  const logSocket = join(dir, 'log.sock');
  const bridge = await startApp('rcon-bridge', ['run'], {
    env: {
      RCON_HOST: '127.0.0.1',
      RCON_PORT: String(mc.port),
      RCON_PASSWORD_FILE: mc.passwordFile,
      BRIDGE_SOCKET: socket,
      BRIDGE_BACKUP_SOCKET: backupSocket,
      BRIDGE_LOG_SOCKET: logSocket,
      // Not supervising: the log lines come from following the server's logs/latest.log.
      BRIDGE_LOG_FILE: mc.logFile,
      ...opts.env,
    },
    readyTimeoutMs: opts.readyTimeoutMs,
  });
  return { mc, bridge, dir, socket, backupSocket, logSocket };
}

/** socat from a loopback TCP port to a unix socket, as the README shows for outside clients. */
export async function socatTo(unixPath: string): Promise<number> {
  const port = await freePort();
  startProcess('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `UNIX-CONNECT:${unixPath}`], { label: 'socat' });
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    { what: `socat on port ${port}` },
  );
  return port;
}

/** Lines of the fake server's output that show it saw a broken read or dropped a connection. */
export function upstreamTrouble(mc: FakeMinecraft): string[] {
  return mc.proc.stdout.filter((line) => /dropped connection/.test(line));
}

export function upstreamConnections(mc: FakeMinecraft): number {
  return mc.proc.stdout.filter((line) => /Thread RCON Client .* started/.test(line)).length;
}

/** The exact RCON command texts the fake received (it must run with `--log-commands`), in order. */
export function receivedCommands(mc: FakeMinecraft): string[] {
  return mc.proc.stdout.flatMap((line) => {
    const match = /^fake: rcon command (".*")$/.exec(line);
    return match ? [JSON.parse(match[1] as string) as string] : [];
  });
}
