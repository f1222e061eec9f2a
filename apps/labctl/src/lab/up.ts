import { type Runner, RuntimeError } from '@homelab/core';
import { wiredEnds } from '../model.js';
import type { Lab } from '../schema.js';
import type { NetnsOptions } from '../wire/netns.js';
import { wireDown, wireUp } from '../wire/wire.js';
import { planDown, planUp, upOrder } from './plan.js';
import type { Podman } from './podman.js';
import type { RunContext } from './run-args.js';

export interface LabDeps {
  runner: Runner;
  podman: Podman;
  netns: NetnsOptions;
  run: RunContext;
  /** How long one container may take to become healthy. */
  readyTimeoutMs: number;
  /** Each change as it happens (the command prints them). */
  report: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface LabResult {
  changes: number;
  durationMs: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `labctl up`: the volumes, then each container in depends_on order (created, re-created when its
 * declaration changed, or started), waiting for it to be healthy and wiring its links as soon as it
 * runs. What already runs as declared is left alone, so a second `up` changes nothing.
 */
export async function labUp(lab: Lab, only: readonly string[], deps: LabDeps): Promise<LabResult> {
  const started = performance.now();
  const { podman, report } = deps;
  const order = upOrder(lab, only);
  const plan = planUp(lab, order, await podman.containers(), await podman.volumes(), deps.run);
  let changes = 0;
  for (const volume of plan.volumes) {
    await podman.createVolume(volume);
    report(`volume ${volume} created`);
    changes++;
  }
  const linked = new Set(wiredEnds(lab));
  const running = new Set<string>();
  let wiredAfterLastChange = true;
  for (const { container, podman: name, action } of plan.containers) {
    if (action.kind !== 'keep') {
      if (action.kind === 'recreate') {
        await podman.remove(name);
        report(`container ${name} removed (${action.reason})`);
      }
      if (action.kind === 'start') await podman.start(name);
      else await podman.run(action.args);
      report(`container ${name} ${action.kind === 'start' ? 'started' : action.kind === 'create' ? 'created' : 're-created'}`);
      changes++;
      await waitReady(lab, container, name, deps);
      report(`container ${name} healthy`);
    }
    running.add(container);
    if (action.kind !== 'keep' && linked.has(container)) {
      changes += await wire(lab, running, deps);
      wiredAfterLastChange = true;
    } else if (linked.has(container)) wiredAfterLastChange = false;
  }
  // Nothing was (re)started since the last wiring: still make sure every link is in place (a restart may have lost some).
  if (!wiredAfterLastChange) changes += await wire(lab, running, deps);
  return { changes, durationMs: Math.round(performance.now() - started) };
}

async function wire(lab: Lab, running: ReadonlySet<string>, deps: LabDeps): Promise<number> {
  const result = await wireUp(deps.runner, lab, deps.netns, { present: running });
  for (const change of result.changes) deps.report(`wire: ${change}`);
  return result.changes.length;
}

/** Polls `podman healthcheck run` (or, without a check, the running state) until it passes. */
async function waitReady(lab: Lab, container: string, name: string, deps: LabDeps): Promise<void> {
  const sleep = deps.sleep ?? defaultSleep;
  const hasCheck = lab.containers[container]?.health !== 'none';
  const deadline = Date.now() + deps.readyTimeoutMs;
  for (;;) {
    const state = (await deps.podman.containers()).find((c) => c.name === name)?.state;
    if (state === 'exited' || state === 'stopped' || state === undefined)
      throw new RuntimeError(`container ${name} ${state ?? 'vanished'} before it was healthy (see podman logs ${name})`, 'NOT_HEALTHY');
    if (state === 'running' && (!hasCheck || (await deps.podman.healthcheck(name)))) return;
    if (Date.now() > deadline)
      throw new RuntimeError(
        `container ${name} not healthy after ${Math.round(deps.readyTimeoutMs / 1000)} s (see podman logs ${name})`,
        'NOT_HEALTHY',
      );
    await sleep(500);
  }
}

/**
 * `labctl down`: everything `wire` made (links, rulesets, attached names), then the containers,
 * dependents first. Volumes stay unless `withVolumes` (the command asks for a confirmation flag).
 */
export async function labDown(lab: Lab, withVolumes: boolean, deps: Omit<LabDeps, 'readyTimeoutMs'>): Promise<LabResult> {
  const started = performance.now();
  const { podman, report } = deps;
  let changes = 0;
  const wired = await wireDown(deps.runner, lab, deps.netns);
  for (const change of wired.changes) report(`wire: ${change}`);
  changes += wired.changes.length;
  const plan = planDown(lab, await podman.containers(), await podman.volumes(), deps.run, withVolumes);
  for (const name of plan.containers) {
    await podman.remove(name);
    report(`container ${name} removed`);
    changes++;
  }
  for (const volume of plan.volumes) {
    await podman.removeVolume(volume);
    report(`volume ${volume} removed`);
    changes++;
  }
  return { changes, durationMs: Math.round(performance.now() - started) };
}
