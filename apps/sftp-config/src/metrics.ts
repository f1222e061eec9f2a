import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { SshdEvent } from './sshd-log.js';

/** Label values are user names from sshd's log: only names that passed our grammar, else `other`. */
function userLabel(user: string, known: ReadonlySet<string>): string {
  return known.has(user) ? user : 'other';
}

export function createSftpMetrics(registry: Registry) {
  const sessions = new Gauge({ name: 'sftp_sessions', help: 'open ssh sessions by user', labelNames: ['user'], registers: [registry] });
  const logins = new Counter({ name: 'sftp_logins_total', help: 'accepted logins by user', labelNames: ['user'], registers: [registry] });
  const refused = new Counter({
    name: 'sftp_logins_refused_total',
    help: 'refused logins by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const enabled = new Gauge({ name: 'sftp_users_enabled', help: 'users enabled by the last render', registers: [registry] });
  const disabled = new Gauge({ name: 'sftp_users_disabled', help: 'users disabled by the chroot lint', registers: [registry] });
  const renders = new Counter({ name: 'sftp_renders_total', help: 'renders by outcome', labelNames: ['outcome'], registers: [registry] });
  const bytes = new Counter({
    name: 'sftp_bytes_total',
    help: 'bytes sftp users read (downloaded) and wrote (uploaded), from internal-sftp close lines',
    labelNames: ['user', 'direction'],
    registers: [registry],
  });
  let known: ReadonlySet<string> = new Set();
  const open = new Map<string, number>();

  return {
    setUsers(names: readonly string[], enabledCount: number, disabledCount: number) {
      known = new Set(names);
      enabled.set(enabledCount);
      disabled.set(disabledCount);
    },
    render(outcome: 'ok' | 'failed') {
      renders.inc({ outcome });
    },
    /** Only declared, enabled users: the attributor never yields another name. */
    transfer(t: { user: string; read: number; written: number }) {
      if (!known.has(t.user)) return;
      if (t.read > 0) bytes.inc({ user: t.user, direction: 'read' }, t.read);
      if (t.written > 0) bytes.inc({ user: t.user, direction: 'written' }, t.written);
    },
    observe(event: SshdEvent) {
      if (event.kind === 'accepted' || event.kind === 'disconnected') {
        const user = userLabel(event.user, known);
        const n = (open.get(user) ?? 0) + (event.kind === 'accepted' ? 1 : -1);
        open.set(user, Math.max(0, n));
        sessions.set({ user }, Math.max(0, n));
        if (event.kind === 'accepted') logins.inc({ user });
      } else if (event.kind === 'refused') refused.inc({ reason: event.reason });
    },
  };
}

export type SftpMetrics = ReturnType<typeof createSftpMetrics>;
