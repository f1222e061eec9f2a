import type { Share, SharesFile } from './config.js';
import { sharePath } from './grammar.js';

export interface RenderSettings {
  listenAddress: string;
  port: number;
  adminHash: string;
  secretKey: string;
}

/**
 * Pure: filestash's config.json for the enabled shares. Each share is one `local` connection whose
 * `path` (filestash keeps a session inside it) is the share's folder. Sharing links, the public API
 * and the chromecast SDK (it loads Google's servers) are off: the explorer is for VPN clients only.
 * Every string here has passed a grammar in config.ts or grammar.ts; JSON.stringify does the quoting.
 */
export function renderFilestashConfig(file: SharesFile, shares: readonly Share[], s: RenderSettings): string {
  const config = {
    general: {
      name: file.name,
      port: s.port,
      host: `${s.listenAddress}:${s.port}`,
      secret_key: s.secretKey,
      force_ssl: false,
      fork_button: false,
      display_hidden: false,
      auto_connect: false,
      remember_me: false,
      upload_button: shares.some((sh) => sh.access === 'rw'),
    },
    features: {
      api: { enable: false },
      share: { enable: false },
      protection: { enable_chromecast: false },
    },
    log: { enable: true, level: 'INFO', telemetry: false },
    auth: { admin: s.adminHash },
    connections: shares.map((share) => ({
      type: 'local',
      label: share.name,
      path: `${sharePath(file.datastore, share.path).replace(/\/$/, '')}/`,
    })),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
