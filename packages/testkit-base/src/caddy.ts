import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { httpRequest } from './http.js';
import { freePort } from './ports.js';
import { startProcess, type TestProcess } from './process.js';
import { makeTempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

export interface TestCaddy {
  /** Caddy's temp folder (Caddyfile, data, logs); removed with the test's temp dirs. */
  dir: string;
  port: number;
  /** Caddy's JSON access log. */
  accessLog: string;
  /** The folder of the log (mode 0755, readable by a container's non-root user when bind-mounted). */
  logDir: string;
  get(path: string): Promise<number>;
  /** Starts Caddy (again) with the same Caddyfile; its start probe leaves one `/up` line in the log. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Caddy (Debian's) on 127.0.0.1 writing a JSON access log, as rproxy-edge's Caddyfile does:
 * `/ok` and `/up` answer 200, everything else 404.
 */
export async function startCaddy(): Promise<TestCaddy> {
  const dir = await makeTempDir('proxy-stats-caddy-');
  const port = await freePort();
  const logDir = join(dir, 'logs');
  await mkdir(logDir, { mode: 0o755 });
  const accessLog = join(logDir, 'access.log');
  const caddyfile = join(dir, 'Caddyfile');
  await writeFile(
    caddyfile,
    `{
\tadmin off
\tauto_https off
}
http://127.0.0.1:${port} {
\tlog {
\t\toutput file ${accessLog}
\t\tformat json
\t}
\trespond /ok "ok" 200
\trespond /up "up" 200
\trespond "not here" 404
}
`,
  );
  let proc: TestProcess | undefined;
  const get = async (path: string) => (await httpRequest(`127.0.0.1:${port}`, path)).status;
  const caddy: TestCaddy = {
    dir,
    port,
    accessLog,
    logDir,
    get,
    async start() {
      const started = startProcess('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
        label: 'caddy',
        env: { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
      });
      proc = started;
      await waitFor(
        async () => {
          if (started.exitInfo) throw new Error(`caddy exited: ${started.output.slice(-2000)}`);
          return (await get('/up').catch(() => 0)) === 200;
        },
        { timeoutMs: 15_000, what: 'caddy to answer' },
      );
    },
    async stop() {
      await proc?.stop();
      proc = undefined;
    },
  };
  await caddy.start();
  return caddy;
}
