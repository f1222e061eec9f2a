import { acquireLock, type Clock, errorMessage, type Lifecycle, type Logger, type ServiceDeps, type SidecarService } from '@homelab/core';
import type { Registry } from 'prom-client';
import { type AgentConfig, type AgentEnv, agentConfigFrom } from './config.js';
import { type CycleReport, listChecked, runCycle } from './cycle.js';
import { createMetrics } from './metrics.js';
import { type Plan, planCycle } from './planner.js';
import { Zfs } from './zfs.js';

export interface AgentDeps {
  config: AgentConfig;
  zfs: Zfs;
  clock: Clock;
  log: Logger;
  registry?: Registry;
  /** Lock file held during each cycle, so `once` and the daemon never run a cycle at the same time. */
  lockPath?: string;
}

export interface AgentStatus {
  cycles: number;
  lastCycleAt?: string;
  lastError?: string;
  /** The last cycle could not run at all (zfs down, dataset missing). */
  lastCycleFailed?: boolean;
  lastReport?: { created: number; destroyed: number; replicated: number; errors: string[] };
}

/** The agent without the process: `plan` and `once` for the CLI, `start` for the daemon. */
export function createAgent(deps: AgentDeps) {
  const { config, zfs, clock, log } = deps;
  const metrics = deps.registry ? createMetrics(deps.registry) : undefined;
  const status: AgentStatus = { cycles: 0 };
  let detected = false;
  const detect = async () => {
    if (!detected) await zfs.detect();
    detected = true;
  };

  const once = async (): Promise<CycleReport> => {
    await detect();
    const now = clock.now();
    const lock = deps.lockPath ? await acquireLock(deps.lockPath) : undefined;
    try {
      const report = await runCycle({ zfs, config, now, log });
      status.cycles++;
      status.lastCycleAt = new Date(clock.now()).toISOString();
      status.lastError = report.errors[0];
      status.lastCycleFailed = false;
      status.lastReport = {
        created: report.created.length,
        destroyed: report.destroyed.length,
        replicated: report.replicated.length,
        errors: report.errors,
      };
      metrics?.recordCycle(report, clock.now());
      log.info(
        {
          created: report.created.length,
          destroyed: report.destroyed.length,
          replicated: report.replicated.length,
          errors: report.errors.length,
        },
        'cycle done',
      );
      return report;
    } catch (error) {
      status.lastError = errorMessage(error);
      status.lastCycleFailed = true;
      metrics?.cycleFailed();
      throw error;
    } finally {
      await lock?.release();
    }
  };

  return {
    status,
    once,
    /** What a cycle would do now; changes nothing (two read-only zfs calls). */
    async plan(): Promise<Plan> {
      await detect();
      const inv = await listChecked(zfs, config);
      return planCycle(config, zfs.features, inv, clock.now());
    },
    /** Readiness: a cycle ran and the last one could run (its partial errors are in the detail). */
    ready(): { ok: boolean; detail: unknown } {
      return { ok: status.cycles > 0 && status.lastCycleFailed === false, detail: { cycles: status.cycles, lastError: status.lastError } };
    },
    /** The daemon loop: a cycle every interval until the lifecycle stops. */
    async start(lifecycle: Lifecycle): Promise<void> {
      const loop = (async () => {
        while (!lifecycle.signal.aborted) {
          try {
            await once();
          } catch (error) {
            if (lifecycle.signal.aborted) break;
            log.error({ err: error }, 'cycle failed');
          }
          try {
            await clock.sleep(config.intervalMs, lifecycle.signal);
          } catch {
            break;
          }
        }
      })();
      lifecycle.onStop('cycle loop', () => loop);
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;

/** The `run` service: a cycle every interval, with health and metrics. */
export function buildZfsAgent(deps: ServiceDeps<AgentEnv>): SidecarService {
  const { config: env, log, lifecycle, registry, clock } = deps;
  const config = agentConfigFrom(env, deps.flags);
  const zfs = new Zfs({
    runner: deps.runner,
    log,
    zfsBin: env.ZFS_AGENT_ZFS,
    signal: lifecycle.signal,
    sendTimeoutMs: config.sendTimeoutMs,
  });
  const agent = createAgent({ config, zfs, clock, log, registry, lockPath: env.ZFS_AGENT_LOCK });
  return {
    checks: { cycle: () => agent.ready() },
    status: () => ({ ...agent.status }),
    start: () => agent.start(lifecycle),
  };
}
