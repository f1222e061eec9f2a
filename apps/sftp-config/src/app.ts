import { errorMessage, type ServiceDeps, type SidecarService, watchConfig } from '@homelab/core';
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
  const { config: env, log, runner, lifecycle, registry } = deps;
  // At start a bad YAML is a ConfigError: exit 2 with one line naming the key. Then a change (or the
  // relint tick, so a repaired folder enables its user) reloads it and renders, then SIGHUPs sshd.
  const users = watchConfig(deps, {
    path: env.SFTP_CONFIG,
    load: loadUsersFile,
    render: () => render(true),
    refused: (error) => {
      status.lastError = errorMessage(error);
    },
    what: 'users YAML',
    debounceMs: env.SFTP_DEBOUNCE,
    recheckMs: env.SFTP_RELINT_INTERVAL,
  });
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
    const file = users.current;
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
      const outcome = await renderAll(env, users.current, { runner, probe: realFsProbe, log });
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
      users.start();
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
