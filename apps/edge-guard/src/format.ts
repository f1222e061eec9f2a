import { formatDuration } from '@homelab/core';
import type { BanDecision } from './policy.js';

const remaining = (ms: number) => formatDuration(Math.max(0, Math.round(ms / 1000) * 1000));

/** A table of bans for people: target, rule, until, how many times, why. */
export function formatBans(bans: readonly BanDecision[], now?: number): string {
  if (bans.length === 0) return 'no bans\n';
  const rows = bans.map((b) => [
    b.target,
    b.rule,
    new Date(b.until).toISOString(),
    now === undefined ? formatDuration(b.until - b.at) : `${remaining(b.until - now)} left`,
    `#${b.offense}`,
    b.reason,
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows.map((r) => r.map((c, i) => (i < 5 ? c.padEnd(widths[i] ?? 0) : c)).join('  ')).join('\n')}\n`;
}
