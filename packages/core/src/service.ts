import type { Registry } from 'prom-client';
import type { EnvDoc } from './cli.js';
import { configValues } from './config.js';
import { createMetricsRegistry, type ReadinessCheck, startHealthServer } from './health.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';

/** Env keys every sidecar accepts; spread into the app's own schema. */
export const commonEnvShape = {
  LOG_LEVEL: configValues.logLevel().default('info'),
  HEALTH_LISTEN: configValues.listen().default('127.0.0.1:9000'),
};

export const commonEnvDocs: EnvDoc[] = [
  { name: 'LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent', default: 'info' },
  { name: 'HEALTH_LISTEN', description: 'health server: host:port or a unix socket path', default: '127.0.0.1:9000' },
];

export interface ServiceContext {
  log: Logger;
  lifecycle: Lifecycle;
  registry: Registry;
}

export interface ServiceOptions {
  name: string;
  log: Logger;
  healthListen: string;
  checks?: Record<string, ReadinessCheck>;
  status?: () => Record<string, unknown>;
  registry?: Registry;
  /** Starts the service's work; registers its own stop hooks on ctx.lifecycle. */
  start(ctx: ServiceContext): Promise<void>;
  deadlineMs?: number;
}

/**
 * Runs a long-running sidecar: lifecycle with signal handling, health server, the service's start,
 * then waits for a stop. Resolves to the exit code (0 after a clean stop).
 */
export async function runService(opts: ServiceOptions): Promise<number> {
  const registry = opts.registry ?? createMetricsRegistry(opts.name);
  const lifecycle = createLifecycle({ log: opts.log, deadlineMs: opts.deadlineMs });
  const health = await startHealthServer(opts.healthListen, {
    checks: opts.checks,
    status: opts.status,
    registry,
    log: opts.log,
  });
  lifecycle.onStop('health server', () => health.close());
  try {
    await opts.start({ log: opts.log, lifecycle, registry });
  } catch (error) {
    opts.log.error({ err: error }, 'start failed');
    await lifecycle.stop('start failed');
    throw error;
  }
  opts.log.info('started');
  const outcome = await lifecycle.stopped;
  return outcome.clean ? 0 : 1;
}
