import type { Logger, ProcessRunner, SidecarService } from '@homelab/core';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Podman } from '../lab/podman.js';
import { podmanName, type RunContext } from '../lab/run-args.js';
import { HOST } from '../model.js';
import type { Lab } from '../schema.js';
import type { NetnsOptions } from '../wire/netns.js';
import { wireUp } from '../wire/wire.js';
import { type EventStream, followEvents, REWIRE_STATUSES } from './events.js';
import { createRewirer } from './rewirer.js';

export interface DaemonDeps {
  /**
   * Reads and checks lab.yaml. Called by start(), after the health server listens: /healthz answers
   * while the lab is read, /readyz is not ready until the first pass is done. A bad lab.yaml throws
   * (ConfigError, exit 2) and stops the service.
   */
  loadLab: () => Promise<Lab>;
  runner: ProcessRunner;
  podman: Podman;
  netns: NetnsOptions;
  run: RunContext;
  log: Logger;
  registry: Registry;
  /** Aborted when the service stops (a stop while the lab is read starts nothing after it). */
  signal: AbortSignal;
  onStop: (name: string, hook: () => Promise<void> | void) => void;
  /** Stops the service (the events stream ended: the supervisor restarts labctl run). */
  fail: (reason: string) => void;
}

interface LastRewire {
  at: string;
  durationMs: number;
  changes: number;
  reasons: string[];
  error?: string;
}

/** Pure: the containers and every container linked to one of them (the host is no container). */
export function withLinkPeers(lab: Lab, containers: ReadonlySet<string>): string[] {
  const out = new Set(containers);
  for (const l of lab.links) {
    if (containers.has(l.a.end) && l.b.end !== HOST) out.add(l.b.end);
    if (containers.has(l.b.end) && l.a.end !== HOST) out.add(l.a.end);
  }
  return [...out].filter((c) => c !== HOST && c in lab.containers);
}

/** Lets the event loop turn (a health request waiting is answered) between the steps of the start. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `labctl run`: follows `podman events` and wires every running container of the lab again when one
 * (re)starts: a restarted container has a new network namespace without its links. One pass at start
 * wires what already runs. Building it reads nothing: the lab is read by start().
 */
export function buildDaemon(deps: DaemonDeps): SidecarService {
  const { log } = deps;
  const rewires = new Counter({
    name: 'labctl_rewires_total',
    help: 'wire passes by result',
    labelNames: ['result'],
    registers: [deps.registry],
  });
  const duration = new Histogram({
    name: 'labctl_rewire_duration_seconds',
    help: 'time from the event to the links in place',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5],
    registers: [deps.registry],
  });
  const events = new Counter({
    name: 'labctl_container_events_total',
    help: 'container events seen',
    labelNames: ['status'],
    registers: [deps.registry],
  });
  let lab: Lab | undefined;
  let byPodmanName = new Map<string, string>();
  let last: LastRewire | undefined;
  /** The last pass that changed something (a later pass with nothing to do does not hide it). */
  let lastChange: LastRewire | undefined;
  let stream: EventStream | undefined;
  let stopping = false;

  const rewirer = createRewirer(async ({ reasons, focus }) => {
    // Requested only once the lab is read (the first pass and the events come after it).
    const current = lab;
    if (!current) return;
    const started = performance.now();
    try {
      // One `podman container inspect` of just the containers that matter gives their PIDs (listing
      // every container with `podman ps` is the slowest step of a pass): after a restart event the
      // restarted containers and their link peers, in a pass for everything (at start) the lab's.
      const pids = await deps.podman.running(
        focus ? withLinkPeers(current, focus).map((c) => podmanName(deps.run, c)) : [...byPodmanName.keys()],
      );
      const present = new Set([...pids.keys()].flatMap((n) => (byPodmanName.has(n) ? [byPodmanName.get(n) as string] : [])));
      // A container that restarted needs its own links again; a pass for everything runs at start.
      const focused = focus ? new Set([...focus].filter((c) => present.has(c))) : undefined;
      const result = await wireUp(deps.runner, current, deps.netns, { present, knownPids: pids, ...(focused ? { focus: focused } : {}) });
      const durationMs = Math.round(performance.now() - started);
      last = { at: new Date().toISOString(), durationMs, changes: result.changes.length, reasons };
      if (result.changes.length > 0) lastChange = last;
      rewires.inc({ result: 'ok' });
      duration.observe(durationMs / 1000);
      if (result.changes.length > 0) log.info({ reasons, changes: result.changes, durationMs }, 'rewired');
      else log.debug({ reasons, durationMs }, 'links in place');
    } catch (error) {
      rewires.inc({ result: 'failed' });
      last = {
        at: new Date().toISOString(),
        durationMs: Math.round(performance.now() - started),
        changes: 0,
        reasons,
        error: (error as Error).message,
      };
      log.error({ err: error, reasons }, 'rewire failed');
    }
  });

  return {
    async start() {
      await turn();
      const loaded = await deps.loadLab();
      lab = loaded;
      byPodmanName = new Map(Object.keys(loaded.containers).map((c) => [podmanName(deps.run, c), c]));
      await turn();
      if (deps.signal.aborted) return;
      stream = followEvents(
        deps.runner,
        (event) => {
          const container = byPodmanName.get(event.name);
          if (!container) return;
          events.inc({ status: event.status });
          if (REWIRE_STATUSES.has(event.status)) rewirer.request(`${container} ${event.status}`, container);
        },
        deps.netns.podmanUser,
      );
      void stream.ended.then(() => {
        if (!stopping) {
          log.error('podman events ended');
          deps.fail('podman events ended');
        }
      });
      deps.onStop('podman events', async () => {
        stopping = true;
        stream?.stop();
        await stream?.ended;
        await rewirer.idle();
      });
      rewirer.request('labctl run started');
    },
    checks: {
      events: () => ({ ok: stream !== undefined && !stopping, detail: 'following podman events' }),
      wired: () => ({
        ok: last !== undefined && last.error === undefined,
        detail: last?.error ?? (last ? 'links in place' : lab ? 'first pass running' : 'reading the lab file'),
      }),
    },
    status: () => ({ lastRewire: last ?? null, lastChange: lastChange ?? null }),
  };
}
