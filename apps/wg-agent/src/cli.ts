import type { SidecarDefinition } from '@homelab/core';
import { build } from './app.js';
import { envDocs, envSchema } from './config.js';
import { peerCommand } from './peer-commands.js';

export const definition: SidecarDefinition<typeof envSchema> = {
  name: 'wg-agent',
  summary: 'declarative WireGuard for vpn-edge: peers from YAML, live apply, per-peer reach in nftables, drift repair',
  env: { schema: envSchema, prefixes: ['WG_'], docs: envDocs },
  logTo: 'stdout',
  service: {
    summary: 'make the interface, apply the peers, then repair drift and drop expired peers every WG_INTERVAL',
    // Its start runs a dozen commands (ip, wg, nft) and nothing stays hot: TurboFan and Sparkplug
    // would only keep node's own path and argument checks resident (core's jit-tier.ts).
    jitTier: 'interpreter',
    build,
  },
  commands: {
    peer: {
      summary: 'add, remove, list or show (client config + QR code) a peer; never prints a key but in show',
      usage: 'peer add|remove|list|show [NAME]',
      flags: {
        address: { type: 'string', description: 'add: tunnel address (default: the next free one of the client subnet)' },
        allow: { type: 'string', multiple: true, description: 'add: lab containers the peer may reach (repeat or comma-separate)' },
        psk: { type: 'boolean', description: 'add: with a preshared key' },
        expires: { type: 'string', description: 'add: expiry, 2027-01-31 or an ISO time' },
        png: { type: 'string', description: 'show: also write the QR code as a PNG (mode 0600, never over a file)' },
        'no-qr': { type: 'boolean', description: 'show: the config only, no terminal QR code' },
      },
      run: (deps) => peerCommand(deps),
    },
  },
};
