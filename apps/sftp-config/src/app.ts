import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DebouncedJob, errorMessage, initialDebounce, quietPeriod, type ServiceDeps, type SidecarService } from '@homelab/core';
import { userArea } from './chroot-lint.js';
import { chrootLogListeners } from './chroot-log.js';
import type { SftpEnv } from './config.js';
import { realFsProbe } from './fs-probe.js';
import { createSftpMetrics } from './metrics.js';
import { loadUsersFile, type RenderOutcome, renderAll } from './render.js';
import { ensureHostKey, superviseSshd } from './sshd-supervisor.js';

/**
 * The `run` service of zfs-ssh: render from the users YAML, run sshd on it, and re-render (then
 * SIGHUP sshd) when the YAML changes or every SFTP_RELINT_INTERVAL (so a repaired folder enables
 * its user). A YAML that stops validating keeps the last good render in place.
 */
export function build(deps: ServiceDeps<SftpEnv>): SidecarService {
  const { config: env, log, runner, lifecycle, registry, clock } = deps;
  // At start a bad YAML is a ConfigError: exit 2 with one line naming the key.
  let file = loadUsersFile(env.SFTP_CONFIG);
  const metrics = createSftpMetrics(registry);
  const status: { renders: number; failures: number; last?: RenderOutcome; lastError?: string } = { renders: 0, failures: 0 };
  let sshd: ReturnType<typeof superviseSshd> | undefined;
  const sftpLogs = env.SFTP_SSHD_RUN
    ? chrootLogListeners({
        runner,
        log: log.child({ component: 'sftp-log' }),
        socat: env.SFTP_SOCAT,
        onTransfer: (t) => metrics.transfer(t),
      })
    : undefined;
  if (sftpLogs) lifecycle.onStop('sftp log listeners', () => sftpLogs.stop());
  /** Each chroot of an enabled sftp user, with the users that share it (for bytes per user). */
  const chroots = (enabled: readonly string[]) => {
    const wanted = new Map<string, Set<string>>();
    for (const user of file.users) {
      if (user.mode !== 'sftp' || !enabled.includes(user.name)) continue;
      const area = userArea(file, user);
      wanted.set(area, (wanted.get(area) ?? new Set()).add(user.name));
    }
    return wanted;
  };
  const reported = new Set<string>();

  const render = async (reload: boolean) => {
    try {
      const outcome = await renderAll(env, file, { runner, probe: realFsProbe, log });
      for (const v of outcome.disabled) if (!reported.has(v.line)) log.warn({ user: v.user }, v.line);
      reported.clear();
      for (const v of outcome.disabled) reported.add(v.line);
      const disabledUsers = new Set(outcome.disabled.map((v) => v.user));
      metrics.setUsers(outcome.enabled, outcome.enabled.length, disabledUsers.size);
      metrics.render('ok');
      status.renders++;
      status.last = outcome;
      status.lastError = undefined;
      if (outcome.sshdConfigChanged) log.info({ enabled: outcome.enabled, disabled: [...disabledUsers] }, 'sshd_config rendered');
      await sftpLogs?.reconcile(chroots(outcome.enabled));
      if (reload && outcome.sshdConfigChanged) sshd?.reload();
    } catch (error) {
      metrics.render('failed');
      status.failures++;
      status.lastError = errorMessage(error);
      log.error({ err: error }, 'render failed; sshd keeps the last good config');
    }
  };

  /** A change (or the relint tick): reload the YAML, then render; one render at a time (the shared job). */
  const rerender = async () => {
    try {
      file = loadUsersFile(env.SFTP_CONFIG);
    } catch (error) {
      status.lastError = errorMessage(error);
      log.error({ err: error }, 'users YAML refused; keeping the last good one');
      return;
    }
    await render(true);
  };
  return {
    async start() {
      await ensureHostKey(runner, env.SFTP_SSH_KEYGEN, env.SFTP_HOST_KEY);
      await render(false);
      if (status.lastError !== undefined) throw new Error(`first render failed: ${status.lastError}`);
      if (env.SFTP_SSHD_RUN) {
        sshd = superviseSshd({
          runner,
          lifecycle,
          log: log.child({ component: 'sshd' }),
          sshd: env.SFTP_SSHD,
          config: env.SFTP_SSHD_CONFIG_OUT,
          onEvent: (event) => metrics.observe(event),
        });
      }
      const renders = new DebouncedJob({
        clock,
        settings: quietPeriod(env.SFTP_DEBOUNCE),
        initial: initialDebounce({ now: clock.now(), runAtStart: false }),
        run: rerender,
        log,
        name: 'render',
      });
      renders.start();
      lifecycle.onStop('renders', () => renders.stop());
      // The folder, not the file: editors and ConfigMap-style updates replace the file.
      const name = basename(env.SFTP_CONFIG);
      const watcher = watch(dirname(env.SFTP_CONFIG), (_event, changedName) => {
        if (changedName === null || changedName === name || changedName.startsWith('..')) renders.notifyChanges();
      });
      lifecycle.onStop('config watcher', () => watcher.close());
      const interval = setInterval(() => renders.notifyChanges(), env.SFTP_RELINT_INTERVAL);
      lifecycle.onStop('relint timer', () => clearInterval(interval));
    },
    checks: {
      render: () => ({ ok: status.last !== undefined && status.lastError === undefined, detail: status.lastError ?? 'rendered' }),
      ...(env.SFTP_SSHD_RUN
        ? { sshd: () => ({ ok: sshd?.isReady() ?? false, detail: sshd?.isReady() ? 'listening' : 'not listening' }) }
        : {}),
    },
    status: () => ({
      renders: status.renders,
      failures: status.failures,
      enabled: status.last?.enabled ?? [],
      disabled: status.last?.disabled ?? [],
      lastError: status.lastError,
    }),
    exitCode: () => (sshd?.failed() ? 1 : undefined),
  };
}
