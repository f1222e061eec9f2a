import type { Lifecycle, Logger, ProcessRunner } from '@homelab/core';
import { systemClock } from '@homelab/core';
import { bridgeError, bridgeRefusal, isRconError, parseListReply, RconClient, RconServer } from '@homelab/rcon';
import type { Registry } from 'prom-client';
import { closeReplyText } from './client-limits.js';
import type { BridgeConfig } from './config.js';
import { parseBridgeCommand } from './countdown.js';
import { CountdownController } from './countdown-controller.js';
import { followFile } from './log-file-follow.js';
import { LogHub } from './log-hub.js';
import { LogServer } from './log-server.js';
import { createBridgeMetrics } from './metrics.js';
import { checkBackupCommand } from './policy.js';
import { type ChildExit, Supervisor } from './supervisor.js';
import { updateWorktree } from './worktree.js';

export interface BridgeDeps {
  config: BridgeConfig;
  log: Logger;
  runner: ProcessRunner;
  registry: Registry;
  /** The server to supervise (`rcon-bridge run -- CMD ARGS...`); empty: only bridge. */
  child: readonly string[];
  /** Where the supervised server's own output lines go besides the log hub (the container log). */
  echo?: (line: string) => void;
}

export interface Bridge {
  upstream: RconClient;
  countdown: CountdownController;
  hub: LogHub;
  supervisor: Supervisor | undefined;
  /** Starts everything and registers the stop hooks (the server is stopped first, then the sockets). */
  start(lifecycle: Lifecycle): Promise<void>;
  /** Set when the supervised server exited by itself (the bridge then stops with its exit code). */
  childExit(): ChildExit | undefined;
}

/** Builds the bridge from its dependencies; main.ts only wires process, env and signals. */
export function createBridge(deps: BridgeDeps): Bridge {
  const { config, log } = deps;
  const upstream = new RconClient({
    target: { host: config.RCON_HOST, port: config.RCON_PORT },
    password: config.RCON_PASSWORD,
    commandTimeoutMs: config.BRIDGE_COMMAND_TIMEOUT,
    backoff: { minMs: 200, maxMs: 2_000 },
    log: log.child({ component: 'upstream' }),
  });
  const hub = new LogHub(config.BRIDGE_LOG_HISTORY);
  const servers: RconServer[] = [];
  let logServer: LogServer | undefined;
  let ownExit: ChildExit | undefined;

  const metrics = createBridgeMetrics(deps.registry, {
    queueDepth: () => upstream.queueDepth,
    upstreamUp: () => upstream.state === 'ready',
    reconnects: () => upstream.reconnects,
    clients: () => servers.reduce((n, s) => n + s.connections, 0),
    logClients: () => logServer?.clients ?? 0,
  });

  let restartServer: (() => Promise<void>) | undefined;
  const countdown = new CountdownController({
    say: async (text) => {
      await upstream.command(`say ${text}`, { timeoutMs: 10_000 });
    },
    online: async () => {
      try {
        return parseListReply(await upstream.command('list', { timeoutMs: 10_000 }));
      } catch {
        return undefined;
      }
    },
    act: async (action) => {
      // A stop is the server's own `stop`: supervised, the bridge then exits with it, as after a console stop.
      if (action === 'stop') await upstream.command('stop', { timeoutMs: 10_000 });
      else await restartServer?.();
    },
    clock: systemClock,
    log: log.child({ component: 'countdown' }),
    stepsMs: config.BRIDGE_COUNTDOWN,
    text: config.BRIDGE_COUNTDOWN_TEXT,
  });

  /** `bridge:...` on the full socket: answered here, never sent upstream. */
  const bridgeCommand = async (command: string): Promise<string | undefined> => {
    const parsed = parseBridgeCommand(command);
    if (!parsed) return undefined;
    log.info({ command: command.slice(0, 80) }, 'bridge command');
    switch (parsed.kind) {
      case 'restart':
        if (!restartServer) return bridgeRefusal('bridge:restart needs a supervised server (rcon-bridge run -- CMD ARGS...)');
        return countdown.request('restart', parsed.reason);
      case 'stop':
        return countdown.request('stop', parsed.reason);
      case 'cancel':
        return countdown.cancel();
      case 'status':
        return countdown.status();
      default:
        return bridgeRefusal(
          `unknown bridge command "bridge:${parsed.verb}" (bridge:restart [REASON], bridge:stop [REASON], bridge:cancel, bridge:status); nothing was sent to the server`,
        );
    }
  };

  const forward = async (socket: 'full' | 'backup', command: string, signal: AbortSignal): Promise<string> => {
    const started = performance.now();
    if (socket === 'full') {
      const own = await bridgeCommand(command);
      if (own !== undefined) {
        metrics.commands.inc({ socket, outcome: 'bridge' });
        return own;
      }
    }
    let text = command;
    if (socket === 'backup') {
      const checked = checkBackupCommand(command);
      if (!checked.ok) {
        metrics.commands.inc({ socket, outcome: 'refused' });
        log.warn({ socket, command: JSON.stringify(command.slice(0, 80)) }, 'command refused on the backup socket');
        return checked.refusal;
      }
      // Exactly the text that was checked goes upstream, nothing the check did not see.
      text = checked.command;
    }
    try {
      const reply = await upstream.command(text, { signal });
      metrics.commands.inc({ socket, outcome: 'ok' });
      return reply;
    } catch (error) {
      metrics.commands.inc({ socket, outcome: 'error' });
      metrics.errors.inc({ reason: isRconError(error) ? error.code : 'OTHER' });
      throw error;
    } finally {
      metrics.duration.observe({ socket }, (performance.now() - started) / 1000);
    }
  };

  const makeServer = (socket: 'full' | 'backup') =>
    new RconServer({
      password: config.BRIDGE_SOCKET_PASSWORD,
      handle: (command, ctx) => forward(socket, command, ctx.signal),
      errorReply: (error) => bridgeError(error instanceof Error ? error.message : String(error)),
      tooLargeReply: (bytes, max) => {
        metrics.commands.inc({ socket, outcome: 'refused' });
        return bridgeRefusal(
          `a request of ${bytes} bytes is over the ${max}-byte limit of the Minecraft RCON server; nothing was sent to the server`,
        );
      },
      maxConnections: config.BRIDGE_MAX_CLIENTS,
      clientTimeoutMs: config.BRIDGE_CLIENT_TIMEOUT,
      idleTimeoutMs: config.BRIDGE_CLIENT_IDLE_TIMEOUT,
      closeReply: closeReplyText,
      log: log.child({ component: `socket-${socket}` }),
    });

  const supervisor =
    deps.child.length > 0
      ? new Supervisor({
          command: deps.child[0] as string,
          args: deps.child.slice(1),
          cwd: config.BRIDGE_WORKTREE,
          runner: deps.runner,
          log: log.child({ component: 'supervisor' }),
          onLine: (line) => {
            deps.echo?.(line);
            // With BRIDGE_LOG_FILE the file feeds the log socket; the same lines must not come twice.
            if (!config.BRIDGE_LOG_FILE) hub.push(line);
          },
          sendStop: async () => {
            await upstream.command('stop', { timeoutMs: 10_000 });
          },
          stopTimeoutMs: config.BRIDGE_STOP_TIMEOUT,
          killTimeoutMs: config.BRIDGE_KILL_TIMEOUT,
        })
      : undefined;

  return {
    upstream,
    hub,
    supervisor,
    countdown,
    childExit: () => ownExit,
    async start(lifecycle) {
      if (config.BRIDGE_WORKTREE && supervisor) {
        await updateWorktree(config.BRIDGE_WORKTREE, {
          runner: deps.runner,
          log,
          timeoutMs: config.BRIDGE_GIT_TIMEOUT,
          signal: lifecycle.signal,
        });
      }
      lifecycle.onStop('upstream rcon', () => upstream.close());
      const full = makeServer('full');
      servers.push(full);
      await full.listen({ path: config.BRIDGE_SOCKET, mode: config.BRIDGE_SOCKET_MODE });
      lifecycle.onStop('rcon socket', () => full.close());
      log.info({ socket: config.BRIDGE_SOCKET }, 'rcon socket listening');
      if (config.BRIDGE_BACKUP_SOCKET) {
        const backup = makeServer('backup');
        servers.push(backup);
        await backup.listen({ path: config.BRIDGE_BACKUP_SOCKET, mode: config.BRIDGE_SOCKET_MODE });
        lifecycle.onStop('backup socket', () => backup.close());
        log.info({ socket: config.BRIDGE_BACKUP_SOCKET }, 'restricted backup socket listening');
      }
      if (config.BRIDGE_LOG_SOCKET) {
        const server = new LogServer(hub, log.child({ component: 'log-socket' }), {
          maxClients: config.BRIDGE_MAX_CLIENTS,
          stallTimeoutMs: config.BRIDGE_CLIENT_IDLE_TIMEOUT,
        });
        logServer = server;
        await server.listen(config.BRIDGE_LOG_SOCKET, config.BRIDGE_SOCKET_MODE);
        lifecycle.onStop('log socket', () => server.close());
        log.info({ socket: config.BRIDGE_LOG_SOCKET }, 'log socket listening');
      }
      if (config.BRIDGE_LOG_FILE) {
        const stopFollowing = followFile(config.BRIDGE_LOG_FILE, (line) => hub.push(line), { initialLines: config.BRIDGE_LOG_HISTORY });
        lifecycle.onStop('log file', stopFollowing);
      }
      upstream
        .connect()
        .catch((error: Error) => log.info({ err: error.message }, 'upstream not reachable yet; retrying in the background'));
      if (supervisor) {
        const watch = () =>
          void supervisor.exited.then((exit) => {
            if (supervisor.stopping) return;
            ownExit = exit;
            const how = exit.error
              ? `could not start: ${exit.error}`
              : `exited by itself (${exit.code !== undefined ? `code ${exit.code}` : exit.signal})`;
            void lifecycle.stop(`minecraft server ${how}`);
          });
        supervisor.start();
        watch();
        restartServer = async () => {
          if (lifecycle.signal.aborted) return;
          const exit = await supervisor.stop();
          log.info(exit, 'minecraft server stopped for the restart');
          if (lifecycle.signal.aborted) return;
          if (config.BRIDGE_WORKTREE) {
            // A tree that cannot be fast-forwarded must not keep the world offline: start it as it is.
            await updateWorktree(config.BRIDGE_WORKTREE, {
              runner: deps.runner,
              log,
              timeoutMs: config.BRIDGE_GIT_TIMEOUT,
              signal: lifecycle.signal,
            }).catch((error: Error) =>
              log.error({ err: error.message }, 'working tree not updated; starting the server on the tree as it is'),
            );
          }
          supervisor.start();
          watch();
        };
        // Registered last, so it runs first: the server is stopped while RCON is still up.
        lifecycle.onStop('minecraft server', async () => {
          if (config.BRIDGE_STOP_COUNTDOWN === 'on' && supervisor.running) await countdown.runToEnd('stop', '');
          const exit = await supervisor.stop();
          if (exit.code !== 0) log.warn(exit, 'minecraft server did not exit cleanly');
        });
      }
    },
  };
}
