import { RconClient, type RconTarget } from '@homelab/rcon';
import type { Rcon, RconConnector } from './ports.js';

/**
 * Opens one RCON connection per use (a run, a save-on retry) with the shared client, without
 * background reconnects: when the endpoint is down, the backup must know at once.
 */
export function createRconConnector(opts: { target: RconTarget; password: string; timeoutMs: number }): RconConnector {
  return {
    async connect(connectOpts = {}): Promise<Rcon> {
      const client = new RconClient({
        target: opts.target,
        password: opts.password,
        connectTimeoutMs: connectOpts.timeoutMs ?? opts.timeoutMs,
        commandTimeoutMs: opts.timeoutMs,
        reconnect: false,
      });
      try {
        await client.connect();
      } catch (error) {
        await client.close();
        throw error;
      }
      return {
        command: (text, commandOpts = {}) =>
          client.command(text, { timeoutMs: commandOpts.timeoutMs ?? opts.timeoutMs, signal: commandOpts.signal }),
        close: () => client.close(),
      };
    },
  };
}
