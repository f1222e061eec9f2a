/**
 * `wg show <if> dump`: one line for the interface (private key, public key, port, fwmark), then
 * one per peer (public key, preshared key, endpoint, allowed ips, latest handshake, rx, tx,
 * keepalive), tab-separated. The text holds secrets: it is parsed and dropped, never logged.
 */
export interface LivePeer {
  publicKey: string;
  /** Whether a preshared key is set; its value is kept only to compare with the declaration. */
  presharedKey: string | undefined;
  allowedIps: string[];
  /** Seconds since the epoch, 0 = never. */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
}

export interface LiveInterface {
  publicKey: string;
  listenPort: number;
  peers: LivePeer[];
}

export function parseDump(text: string): LiveInterface {
  const [head = '', ...rest] = text.split('\n').filter((line) => line.length > 0);
  const [, publicKey = '', port = '0'] = head.split('\t');
  return {
    publicKey,
    listenPort: Number(port),
    peers: rest.map((line) => {
      const [key = '', psk = '(none)', , allowed = '(none)', handshake = '0', rx = '0', tx = '0'] = line.split('\t');
      return {
        publicKey: key,
        presharedKey: psk === '(none)' ? undefined : psk,
        allowedIps: allowed === '(none)' ? [] : allowed.split(',').sort(),
        latestHandshake: Number(handshake),
        rxBytes: Number(rx),
        txBytes: Number(tx),
      };
    }),
  };
}
