import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type CliSpec, ConfigError, createLogger, createRunner, type Runner, UsageError } from '@homelab/core';
import { formatIssue, type LabIssue } from './issues.js';
import { parseLab, readLabText } from './load.js';
import { diffRendered, renderAll, writeRendered } from './render/index.js';
import { checkLab } from './rules.js';
import { type Lab, labJsonSchema } from './schema.js';
import { checkVpnPeers } from './vpn-peers.js';
import type { NetnsOptions, NetnsSource } from './wire/netns.js';
import { formatStatus, labStatus, wireDown, wireUp } from './wire/wire.js';

export const DEFAULT_LAB = 'lab/lab.yaml';

export interface LabctlIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The runner for `ip`, `nft`, `sysctl`, `podman`; main.ts passes the real one. */
  runner?: Runner;
  logLevel?: string;
}

/** Reads, validates and checks a lab file; every issue printed on its own line, then exit 2. */
async function loadChecked(file: string, io: LabctlIo): Promise<Lab> {
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

function netnsOptions(flags: Record<string, unknown>): NetnsOptions {
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

const netnsFlags = {
  'netns-from': { type: 'string', description: 'where namespaces come from: podman (container PIDs) or named (/run/netns) [podman]' },
  'netns-prefix': { type: 'string', description: 'netns names are <prefix><container> (and <prefix>host when named) [lab-]' },
} as const;

const wireFlags = {
  ...netnsFlags,
  'podman-user': { type: 'string', description: 'rootless podman: run podman inspect as this user (runuser -u USER)' },
  'container-prefix': { type: 'string', description: 'podman container names are <prefix><container> [none]' },
} as const;

export function buildCli(io: LabctlIo): CliSpec {
  // Subprocess logs go to stderr (stdout is the command's output); failures expected while observing stay quiet by default.
  const runner = () =>
    io.runner ??
    createRunner({
      log: createLogger({
        name: 'labctl',
        level: io.logLevel ?? 'silent',
        destination: { write: (line: string) => io.stderr(line) },
        pretty: false,
      }),
    });
  return {
    name: 'labctl',
    summary: 'the lab as code: check lab.yaml, render compose/nftables/Caddy/lighttpd configs, wire the veth pairs',
    env: [{ name: 'LOG_LEVEL', description: 'log level of the subprocess log (JSON lines on stderr)', default: 'silent' }],
    commands: {
      check: {
        usage: 'check [FILE]',
        summary: `check every rule of the topology (default FILE ${DEFAULT_LAB}); one line per problem, exit 2`,
        run: async ({ args }) => {
          const file = args[0] ?? DEFAULT_LAB;
          const lab = await loadChecked(file, io);
          io.stdout(`${file}: ok (${Object.keys(lab.containers).length} containers, ${lab.links.length} links)\n`);
          return 0;
        },
      },
      render: {
        usage: 'render [FILE] --out DIR',
        summary: 'write compose files, nftables rulesets, the Caddyfile and lighttpd configs into DIR',
        flags: {
          out: { type: 'string', description: 'output folder for render (e.g. compose)' },
          verify: {
            type: 'boolean',
            description: 'render: compare DIR with what would be rendered, write nothing, exit 1 on a difference',
          },
        },
        run: async ({ args, flags }) => {
          const out = flags.out as string | undefined;
          if (!out) throw new UsageError('render needs --out DIR');
          const file = args[0] ?? DEFAULT_LAB;
          const files = renderAll(await loadChecked(file, io));
          if (flags.verify) {
            const problems = await diffRendered(resolve(out), files);
            for (const p of problems) io.stderr(`${out}/${p}\n`);
            if (problems.length > 0) {
              io.stderr(`${out} is not what labctl renders from ${file}: run labctl render ${file} --out ${out}\n`);
              return 1;
            }
            io.stdout(`${out}: up to date (${files.size} files)\n`);
            return 0;
          }
          const written = await writeRendered(resolve(out), files);
          io.stdout(`rendered ${written.length} files into ${out}\n`);
          return 0;
        },
      },
      wire: {
        usage: 'wire up|down [FILE]',
        summary: 'create (up) or remove (down) the veth pairs, addresses, routes, forwarding and rulesets; idempotent',
        flags: wireFlags,
        run: async ({ args, flags }) => {
          const action = args[0];
          if (action !== 'up' && action !== 'down') throw new UsageError(`wire: expected up or down, got "${action ?? ''}"`);
          const file = args[1] ?? DEFAULT_LAB;
          const lab = await loadChecked(file, io);
          const opts = netnsOptions(flags);
          const result = action === 'up' ? await wireUp(runner(), lab, opts) : await wireDown(runner(), lab, opts);
          if (result.changes.length === 0) {
            io.stdout(
              action === 'up'
                ? `wire up: nothing to change: ${lab.links.length} links and their rulesets are in place (${result.durationMs} ms)\n`
                : `wire down: nothing to remove (${result.durationMs} ms)\n`,
            );
          } else {
            for (const change of result.changes) io.stdout(`${change}\n`);
            io.stdout(`wire ${action}: ${result.changes.length} changes (${result.durationMs} ms)\n`);
          }
          return 0;
        },
      },
      status: {
        usage: 'status [FILE]',
        summary: "a table of links (state, addresses, both ends' namespaces) and each container's health",
        flags: netnsFlags,
        run: async ({ args, flags }) => {
          const lab = await loadChecked(args[0] ?? DEFAULT_LAB, io);
          const status = await labStatus(runner(), lab, netnsOptions(flags));
          io.stdout(formatStatus(status));
          const bad = status.links.some((l) => !l.a.up || !l.b.up) || status.health.some((h) => !h.ok);
          return bad ? 1 : 0;
        },
      },
      schema: {
        summary: 'print the JSON Schema of lab.yaml (lab/lab.schema.json is this output)',
        run: () => {
          io.stdout(`${JSON.stringify(labJsonSchema(), null, 2)}\n`);
          return 0;
        },
      },
    },
  };
}
