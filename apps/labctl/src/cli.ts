import { resolve } from 'node:path';
import { type SidecarDefinition, UsageError } from '@homelab/core';
import type { z } from 'zod';
import { DEFAULT_LAB, loadChecked, netnsFlags, netnsOptions, wireFlags } from './app.js';
import { type envSchema, labctlEnv } from './config.js';
import { buildDaemon } from './daemon/service.js';
import { labCommands, labFlags, runContext } from './lab/commands.js';
import { createPodman } from './lab/podman.js';
import { diffRendered, renderAll, writeRendered } from './render/index.js';
import { labJsonSchema } from './schema.js';
import { formatStatus, labStatus, wireDown, wireUp } from './wire/wire.js';

export const labctl: SidecarDefinition<typeof envSchema> = {
  name: 'labctl',
  summary: 'the lab as code: check lab.yaml, render its configs, run its containers with podman, wire the veth pairs, audit the hardening',
  env: labctlEnv,
  // Subprocess logs go to stderr (stdout is the command's output); failures expected while observing stay quiet by default.
  logTo: 'stderr',
  service: {
    summary:
      'daemon (the OpenRC service): follow podman events and wire a container again when it (re)starts; health and metrics on HEALTH_LISTEN',
    usage: 'run [FILE]',
    flags: labFlags,
    acceptsArgs: true,
    // Its only hot stretch is parsing lab.yaml once at start: TurboFan would keep about 10 MiB for good
    // and Sparkplug about 1 MiB, for a parse no faster (core's jit-tier.ts).
    jitTier: 'interpreter',
    build: async (deps) => {
      if (deps.args.length > 1) throw new UsageError(`run: expected at most one lab file, got ${deps.args.length}`);
      const file = deps.args[0] ?? DEFAULT_LAB;
      const netns = netnsOptions(deps.flags);
      // The lab is read after the health server listens (the daemon's start): /healthz answers from
      // the start, /readyz when the first pass is done; a bad lab.yaml still stops it with exit 2.
      return buildDaemon({
        loadLab: () => loadChecked(file, deps.io),
        runner: deps.runner,
        podman: createPodman(deps.runner, netns.podmanUser),
        netns,
        run: runContext(deps.flags),
        log: deps.log,
        registry: deps.registry,
        signal: deps.signal,
        onStop: (name, hook) => deps.lifecycle.onStop(name, hook),
        fail: (reason) => void deps.lifecycle.stop(reason),
      });
    },
  },
  commands: {
    check: {
      usage: 'check [FILE]',
      summary: `check every rule of the topology (default FILE ${DEFAULT_LAB}); one line per problem, exit 2`,
      run: async ({ args, io }) => {
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
      run: async ({ args, flags, io }) => {
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
      run: async ({ args, flags, io, runner }) => {
        const action = args[0];
        if (action !== 'up' && action !== 'down') throw new UsageError(`wire: expected up or down, got "${action ?? ''}"`);
        const file = args[1] ?? DEFAULT_LAB;
        const lab = await loadChecked(file, io);
        const opts = netnsOptions(flags);
        const result = action === 'up' ? await wireUp(runner, lab, opts) : await wireDown(runner, lab, opts);
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
      run: async ({ args, flags, io, runner }) => {
        const lab = await loadChecked(args[0] ?? DEFAULT_LAB, io);
        const status = await labStatus(runner, lab, netnsOptions(flags));
        io.stdout(formatStatus(status));
        const bad = status.links.some((l) => !l.a.up || !l.b.up) || status.health.some((h) => !h.ok);
        return bad ? 1 : 0;
      },
    },
    ...labCommands<z.output<typeof envSchema>>(),
    schema: {
      summary: 'print the JSON Schema of lab.yaml (lab/lab.schema.json is this output)',
      run: ({ io }) => {
        io.stdout(`${JSON.stringify(labJsonSchema(), null, 2)}\n`);
        return 0;
      },
    },
  },
};
