import * as z from 'zod';
import { absolutePath, bindSource, envName, hostName, httpUrl, ifName, ifnameChars, imageRef, oneLine, tag } from './grammar.js';

/** The lab's topology as data: the schema of lab/lab.yaml. Unknown keys are refused everywhere. */

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes, starting with a letter')
  .describe('a name of lowercase letters, digits and dashes');

const ipv4 = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'expected a dotted IPv4 address such as 10.1.1.0');

const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'expected an IPv4 subnet such as 10.200.0.0/24');

const port = z.number().int().min(1).max(65535);

const serviceSchema = z
  .strictObject({
    port,
    proto: z.enum(['tcp', 'udp']).default('tcp'),
  })
  .describe('a port a container serves on its links');

const volumeSchema = z
  .strictObject({
    volume: name.describe('named volume (podman volume name, not prefixed by the project)'),
    target: absolutePath(),
    ro: z.boolean().default(true).describe('read-only unless the container writes to it'),
  })
  .describe('a named-volume mount (table 1)');

const bindSchema = z
  .strictObject({
    source: bindSource(),
    target: absolutePath(),
    ro: z.boolean().default(true),
  })
  .describe('a host bind mount (table 1)');

const healthSchema = z
  .union([
    z.literal('sidecar').describe('our sidecar health server on HEALTH_LISTEN 127.0.0.1:9000: GET /healthz'),
    z.literal('none'),
    z.strictObject({ http: httpUrl() }).describe('GET this URL inside the container'),
    z.strictObject({ tcp: port }).describe('connect to this port on 127.0.0.1'),
  ])
  .default('none');

const siteSchema = z
  .strictObject({
    host: hostName().describe('the public host name Caddy serves'),
    port: port.describe("the container's HTTP port Caddy proxies to"),
  })
  .describe('a public HTTP(S) site proxied by rproxy-edge');

const lighttpdSchema = z
  .strictObject({
    tag: tag().describe('server.tag'),
    port,
    root: absolutePath().default('/var/www/html'),
    no_cache_images: z.boolean().default(false).describe('send no-cache headers for image files (map tiles)'),
    swapped_root: z
      .boolean()
      .default(false)
      .describe('root is a symlink an atomic publisher swaps (proxy-stats): no stat cache, clients revalidate every page'),
  })
  .describe('the lighttpd config rendered for this container');

const containerSchema = z.strictObject({
  module: name,
  role: z.enum(['edge', 'service']).default('service'),
  image: imageRef().optional().describe('default localhost/homelab/<container>:<version>'),
  depends_on: z.array(name).default([]),
  volumes: z.array(volumeSchema).default([]),
  binds: z.array(bindSchema).default([]),
  caps: z.array(z.string().regex(/^[A-Z_]+$/, 'expected a capability name without CAP_, such as NET_BIND_SERVICE')).default([]),
  devices: z.array(absolutePath()).default([]),
  tmpfs: z.array(absolutePath()).default([]),
  env: z.record(envName(), oneLine()).default({}),
  command: z.array(oneLine()).optional(),
  health: healthSchema,
  services: z.array(serviceSchema).default([]).describe('ports this container serves on its links'),
  site: siteSchema.optional(),
  publish: z.array(serviceSchema).default([]).describe('ports DNATed from the WAN through the public edge'),
  lighttpd: lighttpdSchema.optional(),
  notes: oneLine().optional(),
});

const endSchema = z.strictObject({
  end: name.describe('a container name or "host"'),
  ip: ipv4,
  ifname: ifnameChars().optional().describe("the interface's name in this end's namespace (default: the link's name)"),
});

const linkSchema = z.strictObject({
  name: ifnameChars().describe('the link (and by default both interfaces) name: at most 15 bytes'),
  a: endSchema,
  b: endSchema,
  prefix: z.number().int().min(1).max(32).default(31),
  notes: oneLine().optional(),
});

export const labSchema = z.strictObject({
  version: tag().describe('the default image tag'),
  host: z
    .strictObject({
      wan_interface: ifName().default('eth0'),
      admin_tcp_ports: z.array(port).default([]).describe('TCP ports the host itself accepts from the WAN side (e.g. ssh)'),
      allowlist_tcp_ports: z
        .array(port)
        .default([])
        .describe('published TCP ports forwarded only from the addresses edge-guard admits (its DDNS allowlist, e.g. Minecraft)'),
    })
    .prefault({}),
  hubs: z.strictObject({
    public: z.strictObject({ edge: name }),
    private: z.strictObject({ edge: name }),
  }),
  proxy: z
    .strictObject({
      tls: z.enum(['auto', 'internal', 'off']).default('auto').describe('auto: ACME certificates; off: plain HTTP sites'),
      access_log: absolutePath().default('/var/log/caddy/access.log'),
      ports: z.array(port).default([80, 443]),
      health_port: port.default(2080).describe("Caddy's own health site on 127.0.0.1 (GET /healthz), the image's HEALTHCHECK"),
    })
    .prefault({}),
  vpn: z
    .strictObject({
      interface: ifName().default('wg0'),
      port: port.default(51820),
      client_subnet: cidr,
      endpoint: z
        .string()
        .regex(/^[a-z0-9.-]+:\d{1,5}$/i, 'expected host:port, e.g. vpn.example.org:51820')
        .default('vpn.example.org:51820')
        .describe("what WireGuard clients connect to (their config's Endpoint)"),
      dns: z.array(ipv4).default([]).describe("the DNS servers of the clients' configs"),
      peers_file: z
        .string()
        .min(1)
        .optional()
        .describe("wg-agent's peer list (absolute, or relative to lab.yaml): `labctl check` checks its addresses when it exists"),
    })
    .describe('the WireGuard side of vpn-edge'),
  cross_hub_links: z.array(ifnameChars()).default([]).describe('links allowed between the public and the private hub'),
  modules: z.record(name, z.strictObject({ summary: oneLine().default('') })),
  containers: z.record(name, containerSchema),
  links: z.array(linkSchema),
});

export type Lab = z.output<typeof labSchema>;
export type LabInput = z.input<typeof labSchema>;
export type Container = z.output<typeof containerSchema>;
export type Link = z.output<typeof linkSchema>;
export type LinkEnd = z.output<typeof endSchema>;
export type Service = z.output<typeof serviceSchema>;

/** The JSON Schema for editors (lab/lab.schema.json), from zod 4's own converter. */
export function labJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(labSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
