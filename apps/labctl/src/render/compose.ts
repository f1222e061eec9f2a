import { stringify } from 'yaml';
import { imageOf } from '../model.js';
import type { Container, Lab } from '../schema.js';

/** Where every sidecar serves its health (DESIGN 2: HEALTH_LISTEN default 127.0.0.1:9000). */
export const SIDECAR_HEALTH_URL = 'http://127.0.0.1:9000/healthz';

/**
 * The healthcheck of a container: busybox `wget`/`nc` exist in every Alpine image, so no
 * extra tool is needed. Sidecars are probed on their health server, others on their service.
 */
export function healthcheckOf(c: Container): Record<string, unknown> | undefined {
  const timing = { interval: '30s', timeout: '5s', retries: 3, start_period: '20s' };
  const h = c.health;
  if (h === 'none') return undefined;
  if (h === 'sidecar') return { test: ['CMD', 'wget', '-q', '-O', '/dev/null', SIDECAR_HEALTH_URL], ...timing };
  if ('http' in h) return { test: ['CMD', 'wget', '-q', '-O', '/dev/null', h.http], ...timing };
  // By path: a busybox sh built with "prefer applets" (Debian's busybox-static, the image tests'
  // substitute base) runs its own nc applet for a bare `nc`, whatever PATH says. On Alpine,
  // /usr/bin/nc is busybox's applet link (it has -z).
  return { test: ['CMD', '/usr/bin/nc', '-z', '127.0.0.1', String(h.tcp)], ...timing };
}

function service(lab: Lab, name: string, c: Container): Record<string, unknown> {
  const svc: Record<string, unknown> = {
    container_name: name,
    image: imageOf(lab, name),
    // No podman network at all: labctl moves veth pairs into the container's namespace.
    network_mode: 'none',
    read_only: true,
    cap_drop: ['ALL'],
  };
  if (c.caps.length > 0) svc.cap_add = c.caps;
  svc.security_opt = ['no-new-privileges'];
  if (c.command) svc.command = c.command;
  if (c.devices.length > 0) svc.devices = c.devices;
  if (c.tmpfs.length > 0) svc.tmpfs = c.tmpfs;
  const mounts = [
    ...c.volumes.map((v) => `${v.volume}:${v.target}${v.ro ? ':ro' : ''}`),
    ...c.binds.map((b) => `${b.source}:${b.target}${b.ro ? ':ro' : ''}`),
  ];
  if (mounts.length > 0) svc.volumes = mounts;
  if (Object.keys(c.env).length > 0) svc.environment = c.env;
  if (c.depends_on.length > 0) svc.depends_on = c.depends_on;
  const health = healthcheckOf(c);
  if (health) svc.healthcheck = health;
  svc.restart = 'unless-stopped';
  return svc;
}

/** One compose file per module (podman-compose format). Named volumes keep their own names. */
export function renderCompose(lab: Lab, module: string): string {
  const services: Record<string, unknown> = {};
  const volumes = new Set<string>();
  for (const [name, c] of Object.entries(lab.containers)) {
    if (c.module !== module) continue;
    services[name] = service(lab, name, c);
    for (const v of c.volumes) volumes.add(v.volume);
  }
  const doc: Record<string, unknown> = { services };
  if (volumes.size > 0) {
    // `name:` stops compose from prefixing the project, so modules can share a volume by name.
    doc.volumes = Object.fromEntries([...volumes].sort().map((v) => [v, { name: v }]));
  }
  const header = `# module ${module}: ${lab.modules[module]?.summary ?? ''}\n# Rendered by labctl from lab/lab.yaml: do not edit. Wire the network with \`labctl wire up\`.\n`;
  return header + stringify(doc, { lineWidth: 0 });
}
