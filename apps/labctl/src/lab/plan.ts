import { UsageError } from '@homelab/core';
import type { Lab } from '../schema.js';
import type { PodmanContainer } from './podman.js';
import { hashOf, LABEL_HASH, podmanName, type RunContext, runArgs } from './run-args.js';

/** Pure: what `labctl up` and `labctl down` do, from the lab and what podman shows. */

/**
 * The containers to bring up, dependencies first (`depends_on`, then the order of lab.yaml).
 * `only` narrows the set; the dependencies of a chosen container come along (they must run first).
 */
export function upOrder(lab: Lab, only: readonly string[] = []): string[] {
  const names = Object.keys(lab.containers);
  for (const name of only) if (!lab.containers[name]) throw new UsageError(`--only: unknown container "${name}"`);
  const wanted = new Set<string>();
  const want = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of lab.containers[name]?.depends_on ?? []) want(dep);
  };
  for (const name of only.length > 0 ? only : names) want(name);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new UsageError(`depends_on forms a cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of lab.containers[name]?.depends_on ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of names) if (wanted.has(name)) visit(name, []);
  return order;
}

export type ContainerAction =
  | { kind: 'keep' }
  | { kind: 'create'; args: string[] }
  | { kind: 'recreate'; args: string[]; reason: string }
  | { kind: 'start' };

export interface UpPlan {
  volumes: string[];
  /** Every chosen container in order, with what to do to it. */
  containers: { container: string; podman: string; action: ContainerAction }[];
}

export function planUp(
  lab: Lab,
  order: readonly string[],
  existing: readonly PodmanContainer[],
  volumes: readonly string[],
  ctx: RunContext,
): UpPlan {
  const byName = new Map(existing.map((c) => [c.name, c]));
  const have = new Set(volumes);
  const wantVolumes = [...new Set(order.flatMap((name) => lab.containers[name]?.volumes.map((v) => v.volume) ?? []))];
  const containers = order.map((container) => {
    const podman = podmanName(ctx, container);
    const args = runArgs(lab, container, ctx);
    const found = byName.get(podman);
    let action: ContainerAction;
    if (!found) action = { kind: 'create', args };
    else if (found.labels[LABEL_HASH] !== hashOf(args))
      action = {
        kind: 'recreate',
        args,
        reason: found.labels[LABEL_HASH] ? 'its declaration changed' : 'it was not created by labctl',
      };
    else if (found.state !== 'running') action = { kind: 'start' };
    else action = { kind: 'keep' };
    return { container, podman, action };
  });
  return { volumes: wantVolumes.filter((v) => !have.has(v)), containers };
}

export interface DownPlan {
  /** podman names to remove, dependents first. */
  containers: string[];
  volumes: string[];
}

/** Removes the lab's containers that exist (reverse of the up order), and with `withVolumes` its volumes that exist. */
export function planDown(
  lab: Lab,
  existing: readonly PodmanContainer[],
  volumes: readonly string[],
  ctx: RunContext,
  withVolumes: boolean,
): DownPlan {
  const present = new Set(existing.map((c) => c.name));
  const order = upOrder(lab).reverse();
  const have = new Set(volumes);
  const labVolumes = [...new Set(Object.values(lab.containers).flatMap((c) => c.volumes.map((v) => v.volume)))];
  return {
    containers: order.map((c) => podmanName(ctx, c)).filter((name) => present.has(name)),
    volumes: withVolumes ? labVolumes.filter((v) => have.has(v)) : [],
  };
}
