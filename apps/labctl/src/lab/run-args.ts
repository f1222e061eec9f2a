import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { imageOf } from '../model.js';
import { healthcheckOf } from '../render/compose.js';
import type { Lab } from '../schema.js';

/** Labels labctl puts on what it creates: which container of the lab, and a hash of how it was run. */
export const LABEL_CONTAINER = 'io.homelab.labctl.container';
export const LABEL_HASH = 'io.homelab.labctl.hash';

export interface RunContext {
  /** podman container names are `<containerPrefix><container>`. */
  containerPrefix: string;
  /** Where `./path` binds (rendered configs) are resolved: the folder `labctl render` wrote. */
  configDir: string;
}

export const podmanName = (ctx: RunContext, container: string) => `${ctx.containerPrefix}${container}`;

/**
 * Pure: the `podman run -d` arguments of one container of the lab, exactly as the compose files
 * declare it: no podman network (labctl wires veth pairs), read-only root, every capability dropped
 * but the declared ones, no-new-privileges, tmpfs, named volumes and binds (`:ro` where declared),
 * env, the health check. The last label is a hash of everything before it, so `up` sees a changed
 * declaration and re-creates the container, and leaves an unchanged one alone.
 */
export function runArgs(lab: Lab, container: string, ctx: RunContext): string[] {
  const c = lab.containers[container];
  if (!c) throw new Error(`unknown container ${container}`);
  const args = ['--name', podmanName(ctx, container), '--network', 'none', '--read-only', '--cap-drop', 'all'];
  for (const cap of c.caps) args.push('--cap-add', cap);
  args.push('--security-opt', 'no-new-privileges');
  for (const device of c.devices) args.push('--device', device);
  for (const path of c.tmpfs) args.push('--tmpfs', path);
  for (const v of c.volumes) args.push('--volume', `${v.volume}:${v.target}${v.ro ? ':ro' : ''}`);
  for (const b of c.binds) {
    const source = isAbsolute(b.source) ? b.source : resolve(ctx.configDir, b.source);
    args.push('--volume', `${source}:${b.target}${b.ro ? ':ro' : ''}`);
  }
  for (const [key, value] of Object.entries(c.env)) args.push('--env', `${key}=${value}`);
  const health = healthcheckOf(c) as { test: string[] } | undefined;
  // No systemd on the Alpine host (OpenRC), so podman has no timer to run checks: labctl runs them
  // (`up` waits with `podman healthcheck run`) and the interval is off. podman 4.3 takes the command
  // as one string for `/bin/sh -c` (it does not parse a JSON array here), so every word is quoted.
  if (health) args.push('--health-cmd', health.test.slice(1).map(shellQuote).join(' '), '--health-interval', 'disable');
  else args.push('--no-healthcheck');
  args.push('--restart', 'unless-stopped', '--label', `${LABEL_CONTAINER}=${container}`);
  const tail = [imageOf(lab, container), ...(c.command ?? [])];
  const hash = createHash('sha256')
    .update(JSON.stringify([...args, ...tail]))
    .digest('hex')
    .slice(0, 16);
  return [...args, '--label', `${LABEL_HASH}=${hash}`, ...tail];
}

/** The hash label value inside run arguments. */
export function hashOf(args: readonly string[]): string | undefined {
  const label = args.find((a) => a.startsWith(`${LABEL_HASH}=`));
  return label?.slice(LABEL_HASH.length + 1);
}

/** Pure: one word for `sh -c`, single-quoted (a quote inside becomes '\''). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
