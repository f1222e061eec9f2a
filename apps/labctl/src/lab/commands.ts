import { resolve } from 'node:path';
import { type CommandDeps, type SidecarCommand, UsageError } from '@homelab/core';
import { DEFAULT_LAB, loadChecked, netnsOptions, wireFlags } from '../app.js';
import { auditLab, formatAudit } from '../audit/audit.js';
import { createPodman } from './podman.js';
import type { RunContext } from './run-args.js';
import { labDown, labUp } from './up.js';

export const labFlags = {
  ...wireFlags,
  'config-dir': {
    type: 'string',
    description: 'where ./ binds of lab.yaml point: the folder labctl render wrote (default compose)',
  },
} as const;

export function runContext(flags: Record<string, unknown>): RunContext {
  const configDir = resolve((flags['config-dir'] as string | undefined) ?? 'compose');
  return { containerPrefix: (flags['container-prefix'] as string | undefined) ?? '', configDir };
}

function parseTimeout(value: unknown): number {
  if (value === undefined) return 180_000;
  const seconds = Number(value);
  if (!/^\d+$/.test(String(value)) || seconds < 1 || seconds > 3600)
    throw new UsageError(`--timeout: expected whole seconds between 1 and 3600, got "${String(value)}"`);
  return seconds * 1000;
}

function labDeps({ flags, runner, io }: CommandDeps<unknown>) {
  const netns = netnsOptions(flags);
  return {
    runner,
    podman: createPodman(runner, netns.podmanUser),
    netns,
    run: runContext(flags),
    report: (l: string) => io.stdout(`${l}\n`),
  };
}

/** `up`, `down`, `audit`: the containers of the lab run by podman directly, wired as they start, audited. */
export function labCommands<C>(): Record<string, SidecarCommand<C>> {
  return {
    up: {
      usage: 'up [FILE] [--only C]',
      summary:
        'create the volumes and run every container with podman (depends_on order, each healthy before the next), wiring its links as it starts; idempotent',
      flags: {
        ...labFlags,
        only: {
          type: 'string',
          multiple: true,
          description: 'up: only these containers (and what they depend on); repeat or comma-separate',
        },
        timeout: { type: 'string', description: 'up: seconds a container may take to become healthy [180]' },
      },
      run: async (deps) => {
        const { args, flags, io } = deps;
        const file = args[0] ?? DEFAULT_LAB;
        const lab = await loadChecked(file, io);
        const only = ((flags.only as string[] | undefined) ?? []).flatMap((o) => o.split(',')).filter((o) => o !== '');
        const result = await labUp(lab, only, {
          ...labDeps(deps as unknown as CommandDeps<unknown>),
          readyTimeoutMs: parseTimeout(flags.timeout),
        });
        io.stdout(
          result.changes === 0
            ? `up: nothing to change: every container runs as declared, its volumes and links are in place (${result.durationMs} ms)\n`
            : `up: ${result.changes} changes (${result.durationMs} ms)\n`,
        );
        return 0;
      },
    },
    down: {
      usage: 'down [FILE]',
      summary: 'remove what wire made, then stop and remove the containers; volumes stay (--volumes --yes removes them)',
      flags: {
        ...labFlags,
        volumes: { type: 'boolean', description: "down: also remove the lab's named volumes (their data is lost): needs --yes" },
        yes: { type: 'boolean', description: 'down: confirm --volumes' },
      },
      run: async (deps) => {
        const { args, flags, io } = deps;
        if (flags.volumes && !flags.yes)
          throw new UsageError('down --volumes deletes the data in every named volume of the lab: add --yes to confirm');
        const lab = await loadChecked(args[0] ?? DEFAULT_LAB, io);
        const result = await labDown(lab, flags.volumes === true, labDeps(deps as unknown as CommandDeps<unknown>));
        io.stdout(
          result.changes === 0
            ? `down: nothing to remove (${result.durationMs} ms)\n`
            : `down: ${result.changes} changes (${result.durationMs} ms)\n`,
        );
        return 0;
      },
    },
    audit: {
      usage: 'audit [FILE]',
      summary:
        'check every running container against lab.yaml (capabilities, seccomp, no-new-privileges, read-only root, user, namespaces, mounts, interfaces, AppArmor, /attest); one line per finding, exit 1',
      flags: {
        ...labFlags,
        json: { type: 'boolean', description: 'audit: print every check as JSON' },
        all: { type: 'boolean', description: 'audit: print the checks that pass too' },
      },
      run: async (deps) => {
        const { args, flags, io } = deps;
        const lab = await loadChecked(args[0] ?? DEFAULT_LAB, io);
        const report = await auditLab(lab, labDeps(deps as unknown as CommandDeps<unknown>));
        io.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatAudit(report, flags.all === true));
        return report.findings > 0 ? 1 : 0;
      },
    },
  };
}
