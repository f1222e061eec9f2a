import { stringify } from 'yaml';
import { intToIp, ipToInt } from '../ipv4.js';
import { attachmentsOf, edgeOf, HOST } from '../model.js';
import type { Lab } from '../schema.js';

/** The edge's own tunnel address: the first host of the client subnet. */
export function vpnServerAddress(lab: Lab): string {
  const [net = '', prefix = '24'] = lab.vpn.client_subnet.split('/');
  return `${intToIp(ipToInt(net) + 1)}/${prefix}`;
}

/** The private containers a VPN peer may be allowed to reach: every container linked to vpn-edge. */
export function vpnDestinations(lab: Lab): Record<string, string> {
  const edge = edgeOf(lab, 'private');
  const out: Record<string, string> = {};
  for (const att of attachmentsOf(lab, edge)) if (att.peer.end !== HOST) out[att.peer.end] = att.peer.ip;
  return out;
}

/** wg-agent's server settings (WG_CONFIG in vpn-edge): interface, port, addresses and destinations. */
export function renderWgAgentConfig(lab: Lab): string {
  const config = {
    interface: lab.vpn.interface,
    listen_port: lab.vpn.port,
    address: vpnServerAddress(lab),
    endpoint: lab.vpn.endpoint,
    dns: lab.vpn.dns,
    destinations: vpnDestinations(lab),
  };
  return `# wg-agent's server settings for vpn-edge. Rendered by labctl from lab/lab.yaml: do not edit.\n${stringify(config)}`;
}
