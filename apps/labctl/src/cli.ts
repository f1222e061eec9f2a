import { type SidecarCommand, type SidecarDefinition, UsageError } from '@homelab/core';
import { buildCli } from './app.js';
import { DEFAULT_LAB, loadChecked, netnsOptions } from './cli-support.js';
import { env, type envSchema } from './config.js';
import { buildDaemon } from './daemon/service.js';
import { labFlags, runContext } from './lab/commands.js';
import { createPodman } from './lab/podman.js';

type Config = ReturnType<typeof envSchema.parse>;

/** The one-shot commands (check, render, wire, status, up, down, audit, schema), as built by app.ts. */
function oneShotCommands(): Record<string, SidecarCommand<Config>> {
  const shape = buildCli({ stdout: () => {}, stderr: () => {} });
  return Object.fromEntries(
    Object.entries(shape.commands).map(([name, spec]) => [
      name,
      {
        summary: spec.summary,
        usage: spec.usage,
        flags: spec.flags,
        needsConfig: false,
        run: ({ args, rest, flags, env: vars, io }) => {
          const cli = buildCli({ stdout: io.stdout, stderr: io.stderr, logLevel: vars.LOG_LEVEL });
          return (cli.commands[name] as typeof spec).run({ args, rest, flags, env: vars });
        },
      } satisfies SidecarCommand<Config>,
    ]),
  );
}

export const labctl: SidecarDefinition<typeof envSchema> = {
  name: 'labctl',
  summary: 'the lab as code: check lab.yaml, render its configs, run its containers with podman, wire the veth pairs, audit the hardening',
  env,
  logTo: 'stderr',
  service: {
    summary:
      'daemon (the OpenRC service): follow podman events and wire a container again when it (re)starts; health and metrics on HEALTH_LISTEN',
    usage: 'run [FILE]',
    flags: labFlags,
    acceptsArgs: true,
    build: async (deps) => {
      if (deps.args.length > 1) throw new UsageError(`run: expected at most one lab file, got ${deps.args.length}`);
      const lab = await loadChecked(deps.args[0] ?? DEFAULT_LAB, deps.io);
      const netns = netnsOptions(deps.flags);
      return buildDaemon({
        lab,
        runner: deps.runner,
        podman: createPodman(deps.runner, netns.podmanUser),
        netns,
        run: runContext(deps.flags),
        log: deps.log,
        registry: deps.registry,
        onStop: (name, hook) => deps.lifecycle.onStop(name, hook),
        fail: (reason) => void deps.lifecycle.stop(reason),
      });
    },
  },
  commands: oneShotCommands(),
};
