import type { Runner } from '@homelab/core';

/** The one side effect on the firewall: run an nft script as one transaction. */
export interface Nft {
  apply(script: string, what: string): Promise<void>;
  /** `nft -j list table`, or undefined when the table does not exist. */
  listTable(): Promise<unknown | undefined>;
}

export function createNft(runner: Runner, bin: string, signal?: AbortSignal): Nft {
  return {
    async apply(script, what) {
      await runner.run(bin, ['-f', '-'], { input: script, timeoutMs: 30_000, signal, logContext: { what } });
    },
    async listTable() {
      const result = await runner
        .run(bin, ['-j', 'list', 'table', 'inet', 'edge_guard'], { timeoutMs: 30_000, signal })
        .catch((error: { stderr?: string }) => {
          if (/No such file or directory/.test(error.stderr ?? '')) return undefined;
          throw error;
        });
      return result === undefined ? undefined : JSON.parse(result.stdout);
    },
  };
}
