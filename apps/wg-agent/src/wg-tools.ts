import type { Runner } from '@homelab/core';
import { type LiveInterface, parseDump } from './dump.js';
import { assertKey } from './keys.js';
import { interfaceNames, readNetDev } from './net-dev.js';

/**
 * The `wg`, `nft` and `ip` calls the agent makes, all through the one exec wrapper; whether a link
 * exists is read from /proc/self/net/dev (net-dev.ts), without a fork.
 */
export interface WgTools {
  linkExists(ifname: string): Promise<boolean>;
  dump(ifname: string): Promise<LiveInterface>;
  /** The dump, or undefined when the interface is not there (no failure logged: `peer list` asks). */
  tryDump(ifname: string): Promise<LiveInterface | undefined>;
  /** `wg syncconf`: the config (with keys) goes through stdin, never through argv or a file. */
  syncconf(ifname: string, config: string): Promise<void>;
  /** `wg addconf`: adds or changes the peers of the config, leaves every other peer alone; stdin only. */
  addconf(ifname: string, config: string): Promise<void>;
  /** `wg set <if> peer <key> remove` for each key; the keys go through stdin, never into a log line. */
  removePeers(ifname: string, publicKeys: readonly string[]): Promise<void>;
  loadRuleset(ruleset: string): Promise<void>;
  /** The (peer . destination) pairs of the reach set; undefined when the table is missing. */
  listReach(table: string): Promise<string[] | undefined>;
  deleteTable(table: string): Promise<void>;
}

const TIMEOUT_MS = 30_000;

export function wgTools(runner: Runner, netDev: () => Promise<string> = readNetDev): WgTools {
  return {
    async linkExists(ifname) {
      return interfaceNames(await netDev()).has(ifname);
    },
    async dump(ifname) {
      const { stdout } = await runner.run('wg', ['show', ifname, 'dump'], { timeoutMs: TIMEOUT_MS });
      return parseDump(stdout);
    },
    async tryDump(ifname) {
      const result = await runner.run('wg', ['show', ifname, 'dump'], { timeoutMs: TIMEOUT_MS, okExitCodes: [1] });
      return result.exitCode === 0 ? parseDump(result.stdout) : undefined;
    },
    async syncconf(ifname, config) {
      // Node hands a child a socket as stdin, which `wg` cannot fopen(); `cat` turns it into a pipe.
      // The interface name is an argument ($1), never part of the script.
      await runner.run('sh', ['-c', 'cat | wg syncconf "$1" /dev/stdin', 'wg-syncconf', ifname], { input: config, timeoutMs: TIMEOUT_MS });
    },
    async addconf(ifname, config) {
      await runner.run('sh', ['-c', 'cat | wg addconf "$1" /dev/stdin', 'wg-addconf', ifname], { input: config, timeoutMs: TIMEOUT_MS });
    },
    async removePeers(ifname, publicKeys) {
      // Only keys of the strict grammar reach the shell, which reads them as data (one per line).
      for (const key of publicKeys) assertKey(key);
      const script = 'i=$1; shift; while read -r k; do set -- "$@" peer "$k" remove; done; exec wg set "$i" "$@"';
      await runner.run('sh', ['-c', script, 'wg-remove', ifname], { input: `${publicKeys.join('\n')}\n`, timeoutMs: TIMEOUT_MS });
    },
    async loadRuleset(ruleset) {
      await runner.run('nft', ['-f', '-'], { input: ruleset, timeoutMs: TIMEOUT_MS });
    },
    async listReach(table) {
      const result = await runner.run('nft', ['list', 'set', 'inet', table, 'reach'], { timeoutMs: TIMEOUT_MS, okExitCodes: [1] });
      if (result.exitCode !== 0) return undefined;
      return [...result.stdout.matchAll(/(\d+\.\d+\.\d+\.\d+) \. (\d+\.\d+\.\d+\.\d+)/g)].map((m) => `${m[1]} . ${m[2]}`).sort();
    },
    async deleteTable(table) {
      await runner.run('nft', ['delete', 'table', 'inet', table], { timeoutMs: TIMEOUT_MS, okExitCodes: [1] });
    },
  };
}
