import { attachmentsOf, edgeOf } from '../model.js';
import type { Lab } from '../schema.js';

/** Sent on every response, errors included (handle_errors repeats them: `header` alone skips errors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** The Caddyfile of the public edge: one site per public HTTP service, proxied to its /31 address. */
export function renderCaddyfile(lab: Lab): string {
  const edge = edgeOf(lab, 'public');
  const headerLines = Object.entries(SECURITY_HEADERS).map(([k, v]) => `\t\t${k} ${JSON.stringify(v)}`);
  const out = [
    '# Caddyfile of rproxy-edge. Rendered by labctl from lab/lab.yaml: do not edit.',
    '{',
    '\tadmin off',
    ...(lab.proxy.tls === 'off' ? ['\tauto_https off'] : []),
    '}',
    '',
    '(security_headers) {',
    '\theader {',
    ...headerLines,
    '\t\t-Server',
    '\t\t-X-Powered-By',
    '\t}',
    '}',
    '',
    '(common) {',
    '\timport security_headers',
    '\tlog {',
    `\t\toutput file ${lab.proxy.access_log}`,
    '\t\tformat json',
    '\t}',
    '\t@method_not_allowed not method GET POST HEAD',
    '\terror @method_not_allowed "Method Not Allowed" 405',
    '\thandle_errors {',
    '\t\timport security_headers',
    '\t\trespond "{err.status_code} {err.status_text}"',
    '\t}',
    '}',
    '',
    "# health of rproxy-edge on its own port, loopback only (the image's HEALTHCHECK)",
    `http://127.0.0.1:${lab.proxy.health_port} {`,
    '\tbind 127.0.0.1',
    '\trespond /healthz "ok" 200',
    '\trespond 404',
    '}',
  ];
  for (const att of attachmentsOf(lab, edge)) {
    const site = lab.containers[att.peer.end]?.site;
    if (!site) continue;
    const address = lab.proxy.tls === 'off' ? `http://${site.host}` : site.host;
    out.push(
      '',
      `# ${att.peer.end} over link ${att.link.name}`,
      `${address} {`,
      '\timport common',
      ...(lab.proxy.tls === 'internal' ? ['\ttls internal'] : []),
      `\treverse_proxy ${att.peer.ip}:${site.port} {`,
      '\t\theader_down -Server',
      '\t\theader_down -X-Powered-By',
      '\t}',
      '}',
    );
  }
  return `${out.join('\n')}\n`;
}
