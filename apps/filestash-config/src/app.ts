import { existsSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { errorMessage, type ServiceDeps, type SidecarService, watchConfig } from '@homelab/core';
import type { FilestashEnv, SharesFile } from './config.js';
import { foreignInterfaces } from './exposure.js';
import { superviseFilestash } from './filestash-supervisor.js';
import { createFilestashMetrics } from './metrics.js';
import { loadSharesFile, type RenderOutcome, renderAll } from './render.js';

/**
 * The `run` service of zfs-web: render config.json from the shares YAML, run filestash on it, and
 * on every change of the YAML re-render and restart filestash when the config changed. A YAML that
 * stops validating, or a render that fails (datastore missing), keeps the last good config; the
 * readiness checks say so.
 */
export function build(deps: ServiceDeps<FilestashEnv>): SidecarService {
  const { config: env, log, runner, lifecycle, registry } = deps;
  // At start a bad YAML is a ConfigError: exit 2 with one line naming the key. Then a change, or the
  // recheck tick (mounts and the datastore change without the YAML changing), reloads it and renders.
  const shares = watchConfig(deps, {
    path: env.FILESTASH_CONFIG,
    load: loadSharesFile,
    render: (file) => render(file),
    refused: (error) => {
      status.lastError = errorMessage(error);
    },
    what: 'shares YAML',
    debounceMs: env.FILESTASH_DEBOUNCE,
    recheckMs: env.FILESTASH_RECHECK_INTERVAL,
  });
  const metrics = createFilestashMetrics(registry);
  const status: { renders: number; failures: number; last?: RenderOutcome; lastError?: string; lastText?: string } = {
    renders: 0,
    failures: 0,
  };
  let filestash: ReturnType<typeof superviseFilestash> | undefined;
  const installed = existsSync(env.FILESTASH_BINARY);

  const render = async (file: SharesFile) => {
    try {
      const outcome = await renderAll(env, file, status.lastText);
      for (const d of outcome.disabled) log.warn({ share: d.share }, d.line);
      const count = (access: string) => outcome.enabled.filter((s) => s.access === access).length;
      metrics.setShares(count('ro'), count('rw'), outcome.disabled.length);
      metrics.render('ok');
      status.renders++;
      status.last = outcome;
      status.lastError = undefined;
      const changed = status.lastText !== undefined && status.lastText !== outcome.text;
      status.lastText = outcome.text;
      if (outcome.written || changed) {
        log.info({ shares: outcome.enabled.map((s) => `${s.name}:${s.access}`), written: outcome.written }, 'config.json rendered');
      }
      if (!filestash) startFilestash();
      else if (changed) {
        await filestash.restart();
        metrics.restarted();
      }
    } catch (error) {
      metrics.render('failed');
      status.failures++;
      status.lastError = errorMessage(error);
      log.error({ err: error }, 'render failed; filestash keeps the last good config');
    }
  };

  /** filestash starts on the first good render (a datastore that appears later starts it then). */
  function startFilestash() {
    if (!env.FILESTASH_RUN || !started || !installed || filestash) return;
    filestash = superviseFilestash({
      runner,
      lifecycle,
      log: log.child({ component: 'filestash' }),
      binary: env.FILESTASH_BINARY,
      port: env.FILESTASH_PORT,
    });
  }
  let started = false;

  const isDir = (path: string) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  };

  return {
    async start() {
      started = true;
      if (env.FILESTASH_RUN && !installed) {
        log.error(
          { binary: env.FILESTASH_BINARY },
          'filestash is not installed (image built with FILESTASH=none?); rendering only, not ready',
        );
      }
      await render(shares.current);
      shares.start();
    },
    checks: {
      render: () => ({ ok: status.last !== undefined && status.lastError === undefined, detail: status.lastError ?? 'rendered' }),
      datastore: () => {
        const { datastore } = shares.current;
        return { ok: isDir(datastore), detail: isDir(datastore) ? datastore : `${datastore} is missing` };
      },
      shares: () => ({
        ok: status.last !== undefined && status.last.disabled.length === 0,
        detail: status.last ? status.last.disabled.map((d) => d.line).join('; ') || 'all enabled' : 'not rendered',
      }),
      'private-hub-only': () => {
        const foreign = foreignInterfaces(networkInterfaces(), env.FILESTASH_LISTEN_ADDRESS);
        return {
          ok: foreign.length === 0,
          detail: foreign.length === 0 ? 'no interface but loopback and the private hub' : `also reachable on ${foreign.join(', ')}`,
        };
      },
      ...(env.FILESTASH_RUN
        ? {
            filestash: async () => {
              if (!installed) return { ok: false, detail: `not installed at ${env.FILESTASH_BINARY}` };
              if (!filestash?.isRunning()) return { ok: false, detail: 'not running' };
              const up = await filestash.listening();
              return { ok: up, detail: up ? `listening on port ${env.FILESTASH_PORT}` : 'not listening yet' };
            },
          }
        : {}),
    },
    status: () => ({
      renders: status.renders,
      failures: status.failures,
      shares: status.last?.enabled.map((s) => ({ name: s.name, access: s.access })) ?? [],
      disabled: status.last?.disabled ?? [],
      filestash: env.FILESTASH_RUN ? (installed ? 'supervised' : 'not installed') : 'not run (FILESTASH_RUN=false)',
      lastError: status.lastError,
    }),
    exitCode: () => (filestash?.failed() ? 1 : undefined),
  };
}
