import { commonEnvShape, duration } from '@homelab/core';
import { z } from 'zod';
import { cidr, containerName, dnsEntry, endpoint, interfaceName, ipv4, isHostOf, parseCidr, peerName } from './grammar.js';

/** Node timers overflow past 2^31-1 ms (about 24.8 days): every duration stays well below. */
const DAY = 86_400_000;

export const envSchema = z.object({
  ...commonEnvShape,
  WG_CONFIG: z.string().default('/etc/wg-agent/wg-agent.yaml'),
  WG_PEERS: z.string().default('/etc/wg-agent/peers/peers.yaml'),
  WG_STATE_DIR: z.string().default('/var/lib/wg-agent'),
  WG_INTERVAL: duration({ min: 1000, max: DAY }).prefault('30s'),
  WG_USERSPACE: z.enum(['auto', 'always', 'never']).default('auto'),
  WG_GO: z.string().default('wireguard-go'),
});

export type EnvConfig = z.output<typeof envSchema>;

export const envDocs = [
  { name: 'WG_CONFIG', description: 'the server settings (YAML, rendered by labctl)', default: '/etc/wg-agent/wg-agent.yaml' },
  { name: 'WG_PEERS', description: 'the declared peers (YAML; `peer add|remove` edit it)', default: '/etc/wg-agent/peers/peers.yaml' },
  { name: 'WG_STATE_DIR', description: 'where the keys live (mode 0700, files 0600)', default: '/var/lib/wg-agent' },
  { name: 'WG_INTERVAL', description: 'drift check and expiry interval (1s to 1d)', default: '30s' },
  { name: 'WG_USERSPACE', description: 'auto: kernel WireGuard when it exists, else wireguard-go; always; never', default: 'auto' },
  { name: 'WG_GO', description: 'the wireguard-go command', default: 'wireguard-go' },
];

/** The server side: what labctl renders from lab.yaml. */
export const serverSchema = z
  .strictObject({
    interface: interfaceName.default('wg0'),
    listen_port: z.number().int().min(1).max(65535).default(51820),
    /** The edge's own address in the client subnet, with the subnet's prefix: 10.200.0.1/24. */
    address: cidr,
    /** What clients connect to (their config's Endpoint). */
    endpoint,
    /** The DNS entries of the client configs. */
    dns: z.array(dnsEntry).max(8).default([]),
    /** Client keepalive in seconds (0: off). */
    keepalive: z.number().int().min(0).max(3600).default(25),
    /** The lab's private containers reachable through the VPN: name -> address. */
    destinations: z.record(containerName, ipv4).default({}),
  })
  .superRefine((server, ctx) => {
    const subnet = parseCidr(server.address);
    if (subnet && subnet.prefix > 30)
      ctx.addIssue({ code: 'custom', path: ['address'], message: 'the client subnet must be /30 or larger' });
    for (const [name, address] of Object.entries(server.destinations)) {
      if (subnet && isHostOf(address, { address: subnet.address, prefix: subnet.prefix }))
        ctx.addIssue({ code: 'custom', path: ['destinations', name], message: `${address} lies inside the client subnet` });
    }
  });

export type ServerConfig = z.output<typeof serverSchema>;

/** An ISO date (`2027-01-31`, end of that day UTC) or date-time; stored as epoch ms. */
const expiry = z.union([z.string(), z.date()]).transform((value, ctx) => {
  if (value instanceof Date) return value.getTime();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(dateOnly ? `${value}T23:59:59Z` : value);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value) || Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a date; expected 2027-01-31 or 2027-01-31T12:00:00Z` });
    return z.NEVER;
  }
  return ms;
});

export const peerSchema = z.strictObject({
  name: peerName,
  /** The peer's tunnel address, one host of the client subnet. */
  address: ipv4,
  /** Lab containers this peer may reach (names of the server's destinations). */
  allow: z.array(containerName).max(64).default([]),
  /** A preshared key on top of the key pair (generated and stored like the keys). */
  preshared_key: z.boolean().default(false),
  expires: expiry.optional(),
});

export const peersFileSchema = z.strictObject({ peers: z.array(peerSchema).max(1000).default([]) });

export type Peer = z.output<typeof peerSchema>;
export type PeersFile = z.output<typeof peersFileSchema>;
