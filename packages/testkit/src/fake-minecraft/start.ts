import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, repoRoot, startProcess, type TestProcess, waitFor } from '@homelab/testkit-base';

/** The bundled fake (built by `npm run build` / turbo from packages/testkit). */
export function fakeMinecraftBundle(): string {
  const path = join(repoRoot, 'packages', 'testkit', 'dist', 'fake-minecraft.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" (or build @homelab/testkit) first`);
  return path;
}

export interface FakeMinecraftOptions {
  /** The world folder; default `<a new temp dir>/world` (logs then go to `<that dir>/logs`). */
  world?: string;
  /** Default a random one. */
  password?: string;
  /** Default a free port on 127.0.0.1. */
  port?: number;
  /** Online player names `list` reports. */
  players?: string[];
  /** More flags: --regions, --region-kib, --write-interval-ms, --write-gap-ms, --command-delay-ms, --startup-ms. */
  args?: string[];
  /** Wait for `RCON running on` (default true). */
  waitReady?: boolean;
}

export interface FakeMinecraft {
  proc: TestProcess;
  port: number;
  password: string;
  passwordFile: string;
  world: string;
  /** `<world>/../logs/latest.log` */
  logFile: string;
  /** The command line that starts it again with the same world and port (for restart tests). */
  argv: string[];
  /** Sends SIGTERM (the fake saves and exits 143, like the JVM). */
  stop(): Promise<void>;
  /** A line on the server console (stdin): a command, or the test-only `fake:join NAME` / `fake:leave NAME`. */
  console(line: string): void;
  /** A player logs in; resolves once `NAME joined the game` is logged. */
  join(name: string): Promise<void>;
  /** A player leaves; resolves once `NAME left the game` is logged. */
  leave(name: string): Promise<void>;
}

/** Starts `node dist/fake-minecraft.js` as a real process, stopped by `useCleanup`. */
export async function startFakeMinecraft(opts: FakeMinecraftOptions = {}): Promise<FakeMinecraft> {
  const base = await makeTempDir('fake-mc-');
  const world = opts.world ?? join(base, 'world');
  mkdirSync(world, { recursive: true });
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}`;
  const passwordFile = join(base, 'rcon-password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const port = opts.port ?? (await freePort());
  const argv = [
    fakeMinecraftBundle(),
    '--port',
    String(port),
    '--password-file',
    passwordFile,
    '--world',
    world,
    ...(opts.players?.length ? ['--players', opts.players.join(',')] : []),
    ...(opts.args ?? []),
  ];
  const proc = startProcess(process.execPath, argv, { label: 'fake-minecraft', stdin: 'pipe' });
  const consoleLine = (line: string) => {
    proc.child.stdin?.write(`${line}\n`);
  };
  // Counts lines already logged, so a second join of the same name waits for its own line.
  const logged = async (pattern: RegExp) => {
    const before = proc.stdout.filter((l) => pattern.test(l)).length;
    return () => waitFor(() => proc.stdout.filter((l) => pattern.test(l)).length > before, { what: `fake-minecraft to log ${pattern}` });
  };
  if (opts.waitReady !== false) await proc.waitForLine(/RCON running on/, 15_000);
  return {
    proc,
    port,
    password,
    passwordFile,
    world,
    logFile: join(world, '..', 'logs', 'latest.log'),
    argv,
    stop: async () => {
      await proc.stop();
    },
    console: consoleLine,
    join: async (name) => {
      const wait = await logged(new RegExp(`: ${name} joined the game$`));
      consoleLine(`fake:join ${name}`);
      await wait();
    },
    leave: async (name) => {
      const wait = await logged(new RegExp(`: ${name} left the game$`));
      consoleLine(`fake:leave ${name}`);
      await wait();
    },
  };
}
