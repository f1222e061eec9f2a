import type { Runner } from '@homelab/core';
import { type LiveInterface, parseDump } from './dump.js';

/** The `wg`, `nft` and `ip` calls the agent makes, all through the one exec wrapper. */
export interface WgTools {
  linkExists(ifname: string): Promise<boolean>;
  dump(ifname: string): Promise<LiveInterface>;
  /** `wg syncconf`: the config (with keys) goes through stdin, never through argv or a file. */
  syncconf(ifname: string, config: string): Promise<void>;
  loadRuleset(ruleset: string): Promise<void>;
  deleteTable(table: string): Promise<void>;
}

const TIMEOUT_MS = 30_000;

export function wgTools(runner: Runner): WgTools {
  return {
    async linkExists(ifname) {
      const result = await runner.run('ip', ['link', 'show', 'dev', ifname], { timeoutMs: TIMEOUT_MS, okExitCodes: [1] });
      return result.exitCode === 0;
    },
    async dump(ifname) {
      const { stdout } = await runner.run('wg', ['show', ifname, 'dump'], { timeoutMs: TIMEOUT_MS });
      return parseDump(stdout);
    },
    async syncconf(ifname, config) {
      // Node hands a child a socket as stdin, which `wg` cannot fopen(); `cat` turns it into a pipe.
      // The interface name is an argument ($1), never part of the script.
      await runner.run('sh', ['-c', 'cat | wg syncconf "$1" /dev/stdin', 'wg-syncconf', ifname], { input: config, timeoutMs: TIMEOUT_MS });
    },
    async loadRuleset(ruleset) {
      await runner.run('nft', ['-f', '-'], { input: ruleset, timeoutMs: TIMEOUT_MS });
    },
    async deleteTable(table) {
      await runner.run('nft', ['delete', 'table', 'inet', table], { timeoutMs: TIMEOUT_MS, okExitCodes: [1] });
    },
  };
}
