import type { Clock, Logger } from '@homelab/core';
import { canonicalAddress } from './address.js';
import { type AdmittedPlan, planAdmitted, refreshAfter } from './ddns-plan.js';
import type { NameRecord } from './state.js';

/** The two queries edge-guard makes (node:dns Resolver has them). */
export interface DnsLookup {
  resolve4(name: string, opts: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  resolve6(name: string, opts: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
}

/** node:dns/promises is required here, when DDNS admission is configured, not at every start. */
export function createDnsLookup(servers: readonly string[] | undefined, timeoutMs: number): DnsLookup {
  const { Resolver } = require('node:dns/promises') as typeof import('node:dns/promises');
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers && servers.length > 0) resolver.setServers([...servers]);
  return resolver;
}

/** An authoritative "nothing here" is an answer (the player's name is gone), not a DNS failure. */
const EMPTY_ANSWER = new Set(['ENODATA', 'ENOTFOUND']);

export type Lookup = { ok: true; addresses: string[]; ttl: number | undefined } | { ok: false; error: string };

export async function lookupName(dns: DnsLookup, name: string): Promise<Lookup> {
  const ask = async (family: 4 | 6) => {
    try {
      return { records: await (family === 4 ? dns.resolve4(name, { ttl: true }) : dns.resolve6(name, { ttl: true })) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      return EMPTY_ANSWER.has(code) ? { records: [] } : { error: code };
    }
  };
  const [a, aaaa] = await Promise.all([ask(4), ask(6)]);
  if ('error' in a || 'error' in aaaa)
    return { ok: false, error: ('error' in a ? a.error : undefined) ?? (aaaa as { error: string }).error };
  const records = [...a.records, ...aaaa.records];
  const addresses = [...new Set(records.map((r) => canonicalAddress(r.address)).filter((x): x is string => x !== undefined))].sort();
  const ttl = records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : undefined;
  return { ok: true, addresses: addresses.slice(0, 64), ttl };
}

export interface DdnsOptions {
  names: readonly string[];
  ttlMinMs: number;
  ttlMaxMs: number;
  graceMs: number;
  dns: DnsLookup;
  clock: Clock;
  log: Logger;
  /** Records restored from the state file (admitted at boot, before DNS works). */
  restored: Record<string, NameRecord>;
}

export interface Ddns {
  /** Asks DNS for every name whose answer is due; true when a record changed. */
  refreshDue(): Promise<boolean>;
  plan(): AdmittedPlan;
  records(): Record<string, NameRecord>;
  resolvedCount(): number;
}

export function createDdns(opts: DdnsOptions): Ddns {
  const wanted = new Set(opts.names);
  const records: Record<string, NameRecord> = {};
  for (const [name, record] of Object.entries(opts.restored)) if (wanted.has(name)) records[name] = record;
  const failing = new Set<string>();
  const dueAt = new Map<string, number>(opts.names.map((n) => [n, 0]));

  return {
    async refreshDue() {
      const now = opts.clock.now();
      const due = opts.names.filter((n) => (dueAt.get(n) ?? 0) <= now);
      let changed = false;
      await Promise.all(
        due.map(async (name) => {
          const result = await lookupName(opts.dns, name);
          const at = opts.clock.now();
          if (!result.ok) {
            if (!failing.has(name))
              opts.log.warn({ name, error: result.error }, 'DNS failed: keeping the last addresses for the grace period');
            failing.add(name);
            dueAt.set(name, at + opts.ttlMinMs);
            return;
          }
          failing.delete(name);
          const before = records[name]?.addresses.join(',');
          if (before !== result.addresses.join(',')) {
            changed = true;
            opts.log.info({ name, addresses: result.addresses, ttl: result.ttl }, 'name resolved to new addresses');
          }
          records[name] = { addresses: result.addresses, lastOk: at };
          dueAt.set(name, at + refreshAfter(result.ttl, opts.ttlMinMs, opts.ttlMaxMs));
        }),
      );
      return changed;
    },
    plan: () => planAdmitted(records, failing, opts.clock.now(), opts.graceMs),
    records: () => ({ ...records }),
    resolvedCount: () => opts.names.filter((n) => records[n] !== undefined && !failing.has(n)).length,
  };
}
