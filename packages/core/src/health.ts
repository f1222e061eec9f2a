import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { readAttestation } from './attest.js';
import type { Logger } from './logger.js';
import { registerProcessMetrics } from './process-metrics.js';
import { removeStaleSocket } from './unix-socket.js';

export interface CheckResult {
  ok: boolean;
  detail?: unknown;
}

/** A named readiness check: returns a boolean or a result with detail; may be async; a throw means not ready. */
export type ReadinessCheck = () => boolean | CheckResult | Promise<boolean | CheckResult>;

export interface HealthAppOptions {
  checks?: Record<string, ReadinessCheck>;
  registry?: Registry;
  /** Extra detail for /healthz (e.g. last run); must not contain secrets. */
  status?: () => Record<string, unknown>;
}

/** A metrics registry with the process's own metrics (a lean set, see process-metrics.ts), labelled per app. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  registerProcessMetrics(registry);
  return registry;
}

/** Builds the health app without listening, so tests can use inject(). */
export function buildHealthApp(opts: HealthAppOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false });
  const registry = opts.registry ?? new Registry();
  app.get('/healthz', async () => ({ status: 'ok', ...(opts.status?.() ?? {}) }));
  app.get('/readyz', async (_req, reply) => {
    const results: Record<string, CheckResult> = {};
    for (const [name, check] of Object.entries(opts.checks ?? {})) {
      results[name] = await runCheck(check);
    }
    const ready = Object.values(results).every((r) => r.ok);
    return reply.code(ready ? 200 : 503).send({ ready, checks: results });
  });
  // The process's own view of its hardening (uid, no_new_privs, seccomp, capabilities, read-only /): labctl audit.
  app.get('/attest', async () => readAttestation());
  app.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
  return app;
}

async function runCheck(check: ReadinessCheck): Promise<CheckResult> {
  try {
    const result = await check();
    return typeof result === 'boolean' ? { ok: result } : result;
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

export type ListenAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** Parses HEALTH_LISTEN: `host:port`, `[::1]:port` or an absolute unix socket path. */
export function parseListen(value: string): ListenAddress {
  if (value.startsWith('/')) return { kind: 'unix', path: value };
  const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(value);
  if (!match) throw new Error(`expected host:port or an absolute socket path, got "${value}"`);
  return { kind: 'tcp', host: match[1] as string, port: Number(match[2]) };
}

export interface HealthServer {
  app: FastifyInstance;
  /** Where it listens, e.g. `127.0.0.1:9000` (with the real port when 0 was asked) or the socket path. */
  address: string;
  close(): Promise<void>;
}

/** Starts the health server on TCP or a unix socket (a stale socket file is replaced). */
export async function startHealthServer(listen: string, opts: HealthAppOptions & { log?: Logger } = {}): Promise<HealthServer> {
  const app = buildHealthApp(opts);
  const target = parseListen(listen);
  let address: string;
  if (target.kind === 'unix') {
    removeStaleSocket(target.path);
    await app.listen({ path: target.path });
    address = target.path;
  } else {
    await app.listen({ host: target.host, port: target.port });
    const info = app.server.address();
    const port = typeof info === 'object' && info ? info.port : target.port;
    address = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${port}`;
  }
  opts.log?.info({ listen: address }, 'health server listening');
  return {
    app,
    address,
    close: async () => {
      await app.close();
    },
  };
}
