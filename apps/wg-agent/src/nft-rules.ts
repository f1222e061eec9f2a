import type { DesiredPeer } from './wg-config.js';

/** The agent's own table: labctl's `inet labctl` table is never touched. */
export const NFT_TABLE = 'wg_agent';

/**
 * Per-peer reach on the server side: a packet from the WireGuard interface is forwarded only when
 * its (source, destination) pair is in the `reach` set; every other packet from the tunnel is
 * dropped here, whatever other tables accept. The file replaces the whole table in one `nft -f`
 * transaction (create, delete, define), so there is never a moment without the rules.
 */
export function renderRuleset(ifname: string, peers: readonly Pick<DesiredPeer, 'address' | 'reach'>[]): string {
  const pairs = peers.flatMap((peer) => peer.reach.map((destination) => `${peer.address} . ${destination}`));
  const elements = pairs.length > 0 ? `\n\t\telements = { ${pairs.join(',\n\t\t\t')} }` : '';
  return `table inet ${NFT_TABLE}
delete table inet ${NFT_TABLE}
table inet ${NFT_TABLE} {
	set reach {
		type ipv4_addr . ipv4_addr${elements}
	}

	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		iifname "${ifname}" ip saddr . ip daddr @reach accept
		iifname "${ifname}" counter drop
	}
}
`;
}
