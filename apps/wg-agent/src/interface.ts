import { type Logger, type ProcessRunner, RuntimeError, type SupervisedChild, superviseChild } from '@homelab/core';
import type { EnvConfig, ServerConfig } from './config.js';
import type { WgTools } from './wg-tools.js';

/** wireguard-go's boxed "the kernel has WireGuard" banner says nothing about why it failed. */
const withoutBanner = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^[│┌└]/.test(line.trim()))
    .join('; ');

export type Implementation = 'kernel' | 'wireguard-go';

export interface WgInterface {
  /** Creates the interface (kernel WireGuard, else wireguard-go), its address, and brings it up. */
  create(): Promise<Implementation>;
  /** Deletes the interface (and stops wireguard-go). */
  destroy(): Promise<void>;
  implementation(): Implementation | undefined;
}

/**
 * The WireGuard interface of the edge. The kernel module is tried first (`ip link add type
 * wireguard`), unless WG_USERSPACE says otherwise; without it wireguard-go runs in the foreground as
 * the agent's child under core's supervisor (its exit, logged, removes the interface; the drift
 * check notices and makes it again; the agent's stop stops it, SIGKILL after 5 s).
 */
export function wgInterface(deps: { env: EnvConfig; server: ServerConfig; runner: ProcessRunner; tools: WgTools; log: Logger }) {
  const { env, server, runner, tools, log } = deps;
  const ifname = server.interface;
  let child: SupervisedChild | undefined;
  let impl: Implementation | undefined;

  const tryKernel = async (): Promise<boolean> => {
    const result = await runner.run('ip', ['link', 'add', 'dev', ifname, 'type', 'wireguard'], { timeoutMs: 10_000, okExitCodes: [1, 2] });
    return result.exitCode === 0;
  };

  const startUserspace = async () => {
    // Its last words explain a failed start (no /dev/net/tun, no CAP_NET_ADMIN); it logs no key.
    let lastWords: string[] = [];
    const started = superviseChild({
      runner,
      command: env.WG_GO,
      args: ['-f', ifname],
      env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
      log,
      name: 'wireguard-go',
      onLine: (line) => {
        lastWords = [...lastWords, line].slice(-20);
      },
      killAfterMs: 5_000,
    });
    child = started;
    // wireguard-go makes the link, then its control socket: wait until `wg` can talk to it.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (await tools.linkExists(ifname)) {
        try {
          await tools.dump(ifname);
          return;
        } catch {
          /* the control socket is not there yet */
        }
      }
      if (Date.now() > deadline || !started.running) {
        if (!started.running) await started.exited;
        throw new RuntimeError(
          `wireguard-go did not create ${ifname} (is /dev/net/tun there, and CAP_NET_ADMIN?): ${withoutBanner(lastWords.join('\n')) || '(no output)'}`,
          'WG_CREATE',
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    async create() {
      if (await tools.linkExists(ifname)) await runner.run('ip', ['link', 'del', 'dev', ifname], { timeoutMs: 10_000 });
      await child?.stop();
      child = undefined;
      impl = env.WG_USERSPACE !== 'always' && (await tryKernel()) ? 'kernel' : undefined;
      if (!impl) {
        if (env.WG_USERSPACE === 'never') throw new RuntimeError('no kernel WireGuard here and WG_USERSPACE=never', 'WG_CREATE');
        await startUserspace();
        impl = 'wireguard-go';
      }
      await runner.run('ip', ['address', 'replace', server.address, 'dev', ifname], { timeoutMs: 10_000 });
      await runner.run('ip', ['link', 'set', 'dev', ifname, 'up'], { timeoutMs: 10_000 });
      log.info({ interface: ifname, implementation: impl }, 'interface created');
      return impl;
    },
    async destroy() {
      if (await tools.linkExists(ifname).catch(() => false))
        await runner.run('ip', ['link', 'del', 'dev', ifname], { timeoutMs: 10_000, okExitCodes: [1, 2] });
      await child?.stop();
      child = undefined;
    },
    implementation: () => impl,
  } satisfies WgInterface;
}
