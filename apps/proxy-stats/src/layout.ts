import { join } from 'node:path';
import { type ReleaseLayout, releaseLayout } from '@homelab/releases';

/**
 * The data folder (one volume, so releases can be renamed and hard-linked within it):
 *   db -> .db-releases/<id>             GoAccess's database (a symlink to the last good copy)
 *   staging/                            GoAccess writes index.html and report.json here
 *   current -> .current-releases/<id>   the published report, what lighttpd serves
 */
export interface StatsLayout {
  staging: string;
  report: ReleaseLayout;
}

export function statsLayout(dataDir: string): StatsLayout {
  return { staging: join(dataDir, 'staging'), report: releaseLayout(join(dataDir, 'current'), join(dataDir, '.current-releases')) };
}
