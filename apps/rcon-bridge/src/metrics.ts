import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface BridgeMetrics {
  commands: Counter<'socket' | 'outcome'>;
  errors: Counter<'reason'>;
  duration: Histogram<'socket'>;
}

/** rcon_bridge_* metrics; gauges read the live state when scraped. */
export function createBridgeMetrics(
  registry: Registry,
  live: { queueDepth(): number; upstreamUp(): boolean; reconnects(): number; clients(): number; logClients(): number },
): BridgeMetrics {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('rcon_bridge_queue_depth', 'commands waiting for the upstream connection (including the one on the wire)', live.queueDepth);
  gauge('rcon_bridge_upstream_up', '1 when the upstream RCON connection is logged in', () => (live.upstreamUp() ? 1 : 0));
  gauge('rcon_bridge_upstream_reconnects', 'upstream reconnections since start (a counter)', live.reconnects);
  gauge('rcon_bridge_clients', 'connected RCON clients on the bridge sockets', live.clients);
  gauge('rcon_bridge_log_clients', 'connected log stream clients', live.logClients);
  return {
    commands: new Counter({
      name: 'rcon_bridge_commands_total',
      help: 'commands received, by socket and outcome (ok, refused, error)',
      labelNames: ['socket', 'outcome'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'rcon_bridge_command_errors_total',
      help: 'commands that failed upstream, by reason (TIMEOUT, DISCONNECTED, ...)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'rcon_bridge_command_duration_seconds',
      help: 'time from receiving a command to having its full reply, queue wait included',
      labelNames: ['socket'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
  };
}
