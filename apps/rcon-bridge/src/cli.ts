import type { SidecarDefinition } from '@homelab/core';
import { buildBridge } from './app.js';
import { bridgeEnv, type bridgeEnvSchema } from './config.js';

export const rconBridge: SidecarDefinition<typeof bridgeEnvSchema> = {
  name: 'rcon-bridge',
  summary: 'one RCON connection to the Minecraft server, shared safely over unix sockets; optionally supervises the server',
  env: bridgeEnv,
  service: {
    usage: 'run [-- CMD ARGS...]',
    summary: 'serve the sockets; with "-- CMD ARGS..." also run the server as a child',
    argsHint: 'put the server command after "--"',
    stopDeadlineMs: (config) =>
      config.BRIDGE_STOP_TIMEOUT +
      config.BRIDGE_KILL_TIMEOUT +
      15_000 +
      // SIGTERM with BRIDGE_STOP_COUNTDOWN=on first counts down.
      (config.BRIDGE_STOP_COUNTDOWN === 'on' ? (config.BRIDGE_COUNTDOWN[0] ?? 0) : 0),
    build: buildBridge,
  },
};
