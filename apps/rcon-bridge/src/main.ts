import { createLogger, createMetricsRegistry, createRunner, loadEnvConfig, main, runService, UsageError } from '@homelab/core';
import { createBridge } from './bridge.js';
import { bridgeEnvDocs, bridgeEnvOptions, bridgeEnvSchema } from './config.js';
import { FORWARDED_SIGNALS } from './supervisor.js';

main({
  name: 'rcon-bridge',
  summary: 'one RCON connection to the Minecraft server, shared safely over unix sockets; optionally supervises the server',
  defaultCommand: 'run',
  env: bridgeEnvDocs,
  commands: {
    run: {
      usage: 'run [-- CMD ARGS...]',
      summary: 'serve the sockets; with "-- CMD ARGS..." also run the server as a child',
      run: async ({ env, args, rest }) => {
        if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"; put the server command after "--"`);
        const { config, secretValues } = loadEnvConfig(bridgeEnvSchema, env, bridgeEnvOptions);
        const log = createLogger({ name: 'rcon-bridge', level: config.LOG_LEVEL, secrets: secretValues });
        const registry = createMetricsRegistry('rcon-bridge');
        const bridge = createBridge({
          config,
          log,
          runner: createRunner({ log }),
          registry,
          child: rest,
          // The server's own lines stay in the container log, as they are.
          echo: (line) => process.stdout.write(`${line}\n`),
        });
        for (const signal of FORWARDED_SIGNALS) process.on(signal, () => bridge.supervisor?.forward(signal));
        const code = await runService({
          name: 'rcon-bridge',
          log,
          healthListen: config.HEALTH_LISTEN,
          registry,
          deadlineMs:
            config.BRIDGE_STOP_TIMEOUT +
            config.BRIDGE_KILL_TIMEOUT +
            15_000 +
            (config.BRIDGE_STOP_COUNTDOWN === 'on' ? (config.BRIDGE_COUNTDOWN[0] ?? 0) : 0),
          checks: {
            upstream: () => ({
              ok: bridge.upstream.state === 'ready',
              detail: { state: bridge.upstream.state, target: bridge.upstream.target },
            }),
          },
          status: () => ({ upstream: bridge.upstream.state, server: bridge.supervisor?.running ?? null }),
          start: ({ lifecycle }) => bridge.start(lifecycle),
        });
        const childExit = bridge.childExit();
        return childExit ? (childExit.code ?? 1) : code;
      },
    },
  },
});
