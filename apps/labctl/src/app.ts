import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, type SidecarIo, UsageError } from '@homelab/core';
import { formatIssue, type LabIssue } from './issues.js';
import { parseLab, readLabText } from './load.js';
import { checkLab } from './rules.js';
import type { Lab } from './schema.js';
import { checkVpnPeers } from './vpn-peers.js';
import type { NetnsOptions, NetnsSource } from './wire/netns.js';

export const DEFAULT_LAB = 'lab/lab.yaml';

/** Reads, validates and checks a lab file; every issue printed on its own line, then exit 2. */
export async function loadChecked(file: string, io: Pick<SidecarIo, 'stderr'>): Promise<Lab> {
  let text: string;
  try {
    text = await readLabText(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = parseLab(text, file);
  const issues: LabIssue[] = parsed.ok ? [...checkLab(parsed.lab), ...(await peerIssues(parsed.lab, file))] : parsed.issues;
  if (issues.length > 0) {
    for (const issue of issues) io.stderr(`${file}: ${formatIssue(issue)}\n`);
    throw new ConfigError([{ key: file, problem: `${issues.length} problem(s), see above` }]);
  }
  return (parsed as { lab: Lab }).lab;
}

/** The VPN peers file (vpn.peers_file, relative to the lab file) when it exists; none is no issue. */
async function peerIssues(lab: Lab, file: string): Promise<LabIssue[]> {
  if (!lab.vpn.peers_file) return [];
  const path = resolve(dirname(file), lab.vpn.peers_file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return [{ entry: 'vpn.peers_file', problem: `cannot read ${path}: ${(error as Error).message}` }];
  }
  return checkVpnPeers(lab, text, path);
}

export function netnsOptions(flags: Record<string, unknown>): NetnsOptions {
  const source = (flags['netns-from'] as string | undefined) ?? 'podman';
  if (source !== 'podman' && source !== 'named') throw new UsageError(`--netns-from: expected podman or named, got "${source}"`);
  const prefix = (flags['netns-prefix'] as string | undefined) ?? 'lab-';
  if (!/^[\w.-]{0,16}$/.test(prefix))
    throw new UsageError(`--netns-prefix: expected at most 16 letters, digits, dots, dashes, got "${prefix}"`);
  const podmanUser = flags['podman-user'] as string | undefined;
  if (podmanUser !== undefined && !/^[a-z_][\w.-]*$/i.test(podmanUser))
    throw new UsageError(`--podman-user: expected a user name, got "${podmanUser}"`);
  const containerPrefix = flags['container-prefix'] as string | undefined;
  if (containerPrefix !== undefined && !/^[\w.-]*$/.test(containerPrefix))
    throw new UsageError(`--container-prefix: expected letters, digits, dots, dashes, got "${containerPrefix}"`);
  return { source: source as NetnsSource, prefix, ...(podmanUser ? { podmanUser } : {}), ...(containerPrefix ? { containerPrefix } : {}) };
}

export const netnsFlags = {
  'netns-from': { type: 'string', description: 'where namespaces come from: podman (container PIDs) or named (/run/netns) [podman]' },
  'netns-prefix': { type: 'string', description: 'netns names are <prefix><container> (and <prefix>host when named) [lab-]' },
} as const;

export const wireFlags = {
  ...netnsFlags,
  'podman-user': { type: 'string', description: 'rootless podman: run podman inspect as this user (runuser -u USER)' },
  'container-prefix': { type: 'string', description: 'podman container names are <prefix><container> [none]' },
} as const;
