import { formatDuration } from '@homelab/core';
import { bridgeError, type RconCloseReason } from '@homelab/rcon';

/** Pure: the one line a client gets before the bridge closes it by itself, naming the setting. */
export function closeReplyText(reason: RconCloseReason): string {
  switch (reason.kind) {
    case 'too-many':
      return bridgeError(`too many clients (${reason.connected} connected, BRIDGE_MAX_CLIENTS=${reason.max}); try again later`);
    case 'no-login':
      return bridgeError(`no login within ${formatDuration(reason.ms)} (BRIDGE_CLIENT_TIMEOUT); closing the connection`);
    case 'half-packet':
      return bridgeError(`half a packet and nothing more for ${formatDuration(reason.ms)} (BRIDGE_CLIENT_TIMEOUT); closing the connection`);
    case 'idle':
      return bridgeError(`no request for ${formatDuration(reason.ms)} (BRIDGE_CLIENT_IDLE_TIMEOUT); closing the connection`);
  }
}
