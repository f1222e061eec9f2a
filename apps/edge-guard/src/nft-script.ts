import { canonicalAddress, isPrefixTarget, parseTarget, type Target } from './address.js';

/** Fixed names: nothing from config or logs ever becomes a table, set or chain name. */
export const TABLE = 'inet edge_guard';
export const SETS = { ban4: 'ban4', ban6: 'ban6', ban6net: 'ban6net', admit4: 'admit4', admit6: 'admit6' } as const;
export type SetName = (typeof SETS)[keyof typeof SETS];

/**
 * The packet mark edge-guard sets on connections from admitted (DDNS allowlist) addresses to the
 * allowlisted port. labctl's host forward rule accepts that port only with this mark, so without
 * edge-guard's table (or with its elements timed out) the port fails closed. Keep in sync with
 * apps/labctl/src/render/nft.ts (EDGE_GUARD_ADMIT_MARK).
 */
export const ADMIT_MARK = 0x00100000;

const MAX_TIMEOUT_S = 30 * 86_400;

export class NftGrammarError extends Error {
  override readonly name = 'NftGrammarError';
}

/** One element with its remaining lifetime. */
export interface Element {
  target: Target;
  timeoutMs: number;
}

/** Strict grammar: only canonical addresses and IPv6 /64s reach nft text. */
export function elementText(target: Target): string {
  const parsed = parseTarget(target);
  if (parsed === undefined || parsed !== target) throw new NftGrammarError(`refusing "${String(target).slice(0, 60)}" as an nft element`);
  return target;
}

function timeoutText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1000) throw new NftGrammarError(`timeout ${ms} ms is too short`);
  return `${Math.min(MAX_TIMEOUT_S, Math.ceil(ms / 1000))}s`;
}

export function banSetOf(target: Target): SetName {
  if (isPrefixTarget(target)) return SETS.ban6net;
  return target.includes(':') ? SETS.ban6 : SETS.ban4;
}

export function admitSetOf(address: string): SetName {
  if (canonicalAddress(address) !== address) throw new NftGrammarError(`refusing "${address.slice(0, 60)}" as an admitted address`);
  return address.includes(':') ? SETS.admit6 : SETS.admit4;
}

function port(p: number): number {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new NftGrammarError(`not a port: ${p}`);
  return p;
}

const elements = (items: readonly Element[]) => items.map((e) => `${elementText(e.target)} timeout ${timeoutText(e.timeoutMs)}`).join(', ');

function setBlock(name: SetName, type: 'ipv4_addr' | 'ipv6_addr', interval: boolean, items: readonly Element[]): string[] {
  return [
    `\tset ${name} {`,
    `\t\ttype ${type}; flags ${interval ? 'interval, ' : ''}timeout;`,
    ...(items.length > 0 ? [`\t\telements = { ${elements(items)} }`] : []),
    '\t}',
  ];
}

export interface TableContent {
  bans: readonly Element[];
  admitted: readonly Element[];
  /** The allowlisted TCP port (Minecraft); undefined when the allowlist is off. */
  admitPort?: number;
}

/**
 * The whole table as one `nft -f` transaction: create-if-missing, delete, recreate with every
 * element. Dropped at prerouting priority raw, before conntrack and long before the DNAT.
 */
export function tableScript(content: TableContent): string {
  const byBanSet = (name: SetName) => content.bans.filter((e) => banSetOf(e.target) === name);
  const byAdmitSet = (name: SetName) => content.admitted.filter((e) => admitSetOf(e.target) === name);
  const rules = ['ip saddr @ban4 drop', 'ip6 saddr @ban6 drop', 'ip6 saddr @ban6net drop'];
  if (content.admitPort !== undefined) {
    const p = port(content.admitPort);
    const mark = `0x${ADMIT_MARK.toString(16).padStart(8, '0')}`;
    rules.push(`tcp dport ${p} ip saddr @admit4 meta mark set meta mark or ${mark}`);
    rules.push(`tcp dport ${p} ip6 saddr @admit6 meta mark set meta mark or ${mark}`);
  }
  return [
    `table ${TABLE}`,
    `delete table ${TABLE}`,
    `table ${TABLE} {`,
    ...setBlock(SETS.ban4, 'ipv4_addr', false, byBanSet(SETS.ban4)),
    ...setBlock(SETS.ban6, 'ipv6_addr', false, byBanSet(SETS.ban6)),
    ...setBlock(SETS.ban6net, 'ipv6_addr', true, byBanSet(SETS.ban6net)),
    ...setBlock(SETS.admit4, 'ipv4_addr', false, byAdmitSet(SETS.admit4)),
    ...setBlock(SETS.admit6, 'ipv6_addr', false, byAdmitSet(SETS.admit6)),
    '\tchain prerouting {',
    '\t\ttype filter hook prerouting priority raw; policy accept;',
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** New bans as one transaction (adding an element that exists is a no-op). */
export function addBansScript(bans: readonly Element[]): string {
  return bans.map((e) => `add element ${TABLE} ${banSetOf(e.target)} { ${elements([e])} }\n`).join('');
}

/** Removes one ban; `add` first so the delete never fails on a missing element. */
export function removeBanScript(target: Target): string {
  const set = banSetOf(target);
  const el = elementText(target);
  return `add element ${TABLE} ${set} { ${el} timeout 1s }\ndelete element ${TABLE} ${set} { ${el} }\n`;
}

/**
 * The admitted set moves to `next` in one transaction: additions (and timeout refreshes) first,
 * then removals, so a player's connection is never refused between the two.
 */
export function admitScript(next: readonly Element[], removed: readonly string[]): string {
  const lines: string[] = [];
  for (const e of next) {
    const set = admitSetOf(e.target);
    const el = elementText(e.target);
    // add, delete, add again: an existing element gets its full timeout back within the transaction.
    lines.push(`add element ${TABLE} ${set} { ${el} timeout 1s }`);
    lines.push(`delete element ${TABLE} ${set} { ${el} }`);
    lines.push(`add element ${TABLE} ${set} { ${elements([e])} }`);
  }
  for (const address of removed) {
    const set = admitSetOf(address);
    const el = elementText(address);
    lines.push(`add element ${TABLE} ${set} { ${el} timeout 1s }`);
    lines.push(`delete element ${TABLE} ${set} { ${el} }`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
