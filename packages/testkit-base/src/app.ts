import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequest } from './http.js';
import { type StartOptions, startProcess, type TestProcess } from './process.js';
import { makeTempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

/** The repository root (this file is packages/testkit-base/src/app.ts). */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Absolute path of a built app bundle; throws a clear error when `npm run build` was not run. */
export function appBundle(app: string): string {
  const path = join(repoRoot, 'apps', app, 'dist', 'main.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" first`);
  return path;
}

export interface StartedApp {
  proc: TestProcess;
  /** The health server's unix socket. */
  health: string;
  readyz(): Promise<{ status: number; body: unknown }>;
  metrics(): Promise<string>;
}

/**
 * Starts a built app as a real `node dist/main.js` process with its health server on a unix
 * socket in a temp dir, and (by default) waits until /readyz answers 200.
 */
export async function startApp(
  app: string,
  args: readonly string[],
  opts: StartOptions & { waitReady?: boolean | 'healthz'; readyTimeoutMs?: number } = {},
): Promise<StartedApp> {
  const dir = await makeTempDir(`${app}-health-`);
  const health = join(dir, 'health.sock');
  const proc = startProcess(process.execPath, [appBundle(app), ...args], {
    ...opts,
    label: opts.label ?? app,
    env: { HEALTH_LISTEN: health, LOG_LEVEL: 'debug', ...opts.env },
  });
  const started: StartedApp = {
    proc,
    health,
    async readyz() {
      const res = await httpRequest(health, '/readyz');
      return { status: res.status, body: JSON.parse(res.body) };
    },
    async metrics() {
      return (await httpRequest(health, '/metrics')).body;
    },
  };
  if (opts.waitReady !== false) {
    const path = opts.waitReady === 'healthz' ? '/healthz' : '/readyz';
    await waitFor(
      async () => {
        if (proc.exitInfo) throw new Error(`${app} exited early (${JSON.stringify(proc.exitInfo)}):\n${proc.output.slice(-3000)}`);
        return (await httpRequest(health, path).catch(() => ({ status: 0 }))).status === 200;
      },
      { timeoutMs: opts.readyTimeoutMs ?? 15_000, what: `${app} ${path}` },
    );
  }
  return started;
}
