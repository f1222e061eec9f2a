import { isAbsolute, resolve } from 'node:path';
import { attachmentsOf } from '../model.js';
import type { Container, Lab } from '../schema.js';
import { capName, capsFromMask, PODMAN_DEFAULT_CAPS } from './capabilities.js';
import type { ContainerFacts } from './facts.js';

/** One line of the audit: a declared property and whether it holds. `unavailable`: cannot be checked here. */
export interface AuditCheck {
  container: string;
  check: string;
  status: 'ok' | 'finding' | 'unavailable';
  detail: string;
}

export interface AuditContext {
  /** Where `./` binds resolve (as for `up`). */
  configDir: string;
  apparmor: boolean;
}

/** Where no container may look unless lab.yaml says so. */
const SENSITIVE_SOURCES = [/\/podman\.sock$/, /\/docker\.sock$/, /^\/run\/podman(\/|$)/, /^\/zfs\/storage(\/|$)/];

/**
 * Pure: the owner's checklist for one container, declared (lab.yaml) against effective (podman inspect
 * and the kernel's view of its PID 1, plus the sidecar's own /attest).
 */
export function auditContainer(lab: Lab, name: string, c: Container, f: ContainerFacts, ctx: AuditContext): AuditCheck[] {
  const out: AuditCheck[] = [];
  const add = (check: string, ok: boolean, detail: string) => out.push({ container: name, check, status: ok ? 'ok' : 'finding', detail });
  const declared = new Set(c.caps.map(capName));
  const describeExtra = (caps: string[]) =>
    caps.map((cap) => `${cap}${PODMAN_DEFAULT_CAPS.has(cap) ? " (podman's default set: --cap-drop all missing?)" : ''}`).join(', ');
  const declaredText = c.caps.length > 0 ? c.caps.join(', ') : 'none';

  for (const [set, caps] of [
    ['bounding', f.proc.capBnd ? capsFromMask(f.proc.capBnd) : null],
    ['effective', f.proc.capEff ? capsFromMask(f.proc.capEff) : null],
  ] as const) {
    if (caps === null) add(`capabilities (${set})`, false, `no Cap line in /proc/${f.pid}/status`);
    else {
      const extra = caps.filter((cap) => !declared.has(cap));
      add(
        `capabilities (${set})`,
        extra.length === 0,
        extra.length === 0
          ? `${caps.join(', ') || 'none'} (declared: ${declaredText})`
          : `not declared: ${describeExtra(extra)} (declared: ${declaredText})`,
      );
    }
  }
  const podmanExtra = [...new Set([...f.inspect.effectiveCaps, ...f.inspect.boundingCaps].map(capName))].filter(
    (cap) => !declared.has(cap),
  );
  add(
    'capabilities (podman)',
    podmanExtra.length === 0 && !f.inspect.privileged,
    f.inspect.privileged ? 'privileged' : podmanExtra.length === 0 ? 'as declared' : `not declared: ${describeExtra(podmanExtra)}`,
  );

  const unconfined = f.inspect.securityOpt.some((o) => /^seccomp[=:]unconfined$/.test(o));
  add(
    'seccomp',
    f.proc.seccomp === 2 && !unconfined,
    f.proc.seccomp === 2 ? 'filter active (mode 2)' : `mode ${f.proc.seccomp ?? 'unknown'}, expected 2 (filter)`,
  );
  add('no-new-privileges', f.proc.noNewPrivs === 1, f.proc.noNewPrivs === 1 ? 'set' : 'not set');
  add(
    'read-only root',
    f.inspect.readonlyRootfs && f.proc.rootReadOnly === true,
    f.inspect.readonlyRootfs && f.proc.rootReadOnly
      ? 'read-only'
      : `writable (podman ReadonlyRootfs ${f.inspect.readonlyRootfs}, / mounted ${f.proc.rootReadOnly ? 'ro' : 'rw'})`,
  );
  const user = f.inspect.imageUser;
  const wantsNonRoot = user !== '' && !/^(root|0)(:.*)?$/.test(user);
  const euid = f.proc.uid[1];
  if (wantsNonRoot) add('user', euid !== undefined && euid !== 0, `image USER ${user}, runs as uid ${euid ?? '?'}`);

  const shared = [...f.sharedNamespaces];
  for (const [kind, mode] of Object.entries(f.inspect.modes)) if (mode === 'host' && !shared.includes(kind)) shared.push(kind);
  add('namespaces', shared.length === 0, shared.length === 0 ? 'none shared with the host' : `shared with the host: ${shared.join(', ')}`);
  add('podman network', f.inspect.modes.network === 'none', `network mode ${f.inspect.modes.network || '(default)'}, declared none`);

  const mountFindings: string[] = [];
  for (const m of f.inspect.mounts) {
    const volume = m.type === 'volume' ? c.volumes.find((v) => v.volume === m.name && v.target === m.destination) : undefined;
    const bind =
      m.type === 'bind'
        ? c.binds.find(
            (b) => (isAbsolute(b.source) ? b.source : resolve(ctx.configDir, b.source)) === m.source && b.target === m.destination,
          )
        : undefined;
    const decl = volume ?? bind;
    const what = `${m.type === 'volume' ? `volume ${m.name}` : m.source} on ${m.destination}`;
    if (!decl)
      mountFindings.push(
        `${what} not declared${SENSITIVE_SOURCES.some((re) => re.test(m.source)) ? ' (sensitive: podman socket or /zfs/storage)' : ''}`,
      );
    else if (decl.ro && m.rw) mountFindings.push(`${what} writable, declared read-only`);
  }
  add(
    'mounts',
    mountFindings.length === 0,
    mountFindings.length === 0 ? `${f.inspect.mounts.length} as declared` : mountFindings.join('; '),
  );

  // The private hub's edge also holds the WireGuard interface wg-agent makes (vpn.interface).
  const wireguard = name === lab.hubs.private.edge ? [lab.vpn.interface] : [];
  const allowed = new Set(['lo', ...attachmentsOf(lab, name).map((a) => a.ifname), ...wireguard]);
  const extraIfs = f.interfaces.filter((i) => !allowed.has(i));
  add(
    'network',
    extraIfs.length === 0,
    extraIfs.length === 0 ? `${f.interfaces.join(', ')}` : `undeclared interfaces: ${extraIfs.join(', ')}`,
  );

  if (!ctx.apparmor) out.push({ container: name, check: 'apparmor', status: 'unavailable', detail: 'the kernel has no AppArmor' });
  else
    add(
      'apparmor',
      f.inspect.appArmorProfile !== '' && f.inspect.appArmorProfile !== 'unconfined',
      `profile ${f.inspect.appArmorProfile || 'none'}`,
    );

  if (f.attest) {
    if ('error' in f.attest) add('attest', false, f.attest.error);
    else {
      const a = f.attest;
      const problems: string[] = [];
      if (a.noNewPrivs !== 1) problems.push(`NoNewPrivs ${a.noNewPrivs}`);
      if (a.seccomp !== 2) problems.push(`Seccomp ${a.seccomp}`);
      if (a.rootReadOnly !== true) problems.push('/ writable');
      const extra = a.capEff ? capsFromMask(a.capEff).filter((cap) => !declared.has(cap)) : ['(no CapEff)'];
      if (extra.length > 0) problems.push(`CapEff has ${extra.join(', ')}`);
      if (wantsNonRoot && a.uid[1] === 0) problems.push('runs as root');
      add(
        'attest',
        problems.length === 0,
        problems.length === 0
          ? `uid ${a.uid[1]}, NoNewPrivs 1, Seccomp 2, CapEff ${a.capEff}, / read-only`
          : `the sidecar reports ${problems.join(', ')}`,
      );
    }
  }
  return out;
}
