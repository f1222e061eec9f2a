import { Counter, Gauge, type Registry } from 'prom-client';

export function createGuardMetrics(registry: Registry) {
  const registers = [registry];
  return {
    linesParsed: new Counter({ name: 'edge_guard_lines_parsed_total', help: 'access log lines parsed', registers }),
    linesSkipped: new Counter({ name: 'edge_guard_lines_skipped_total', help: 'lines that were not access entries', registers }),
    ruleHits: new Counter({ name: 'edge_guard_rule_hits_total', help: 'bans decided, by rule', labelNames: ['rule'], registers }),
    bansActive: new Gauge({ name: 'edge_guard_bans_active', help: 'bans in force', registers }),
    nftFailures: new Counter({ name: 'edge_guard_nft_failures_total', help: 'nft transactions that failed', registers }),
    reconciles: new Counter({ name: 'edge_guard_reconciles_total', help: 'full table re-assertions', registers }),
    namesResolved: new Gauge({ name: 'edge_guard_names_resolved', help: 'DDNS names whose last lookup answered', registers }),
    namesStale: new Gauge({ name: 'edge_guard_names_stale', help: 'DDNS names kept from an older answer while DNS fails', registers }),
    namesExpired: new Gauge({ name: 'edge_guard_names_expired', help: 'DDNS names past the grace period (not admitted)', registers }),
    admitted: new Gauge({ name: 'edge_guard_admitted_addresses', help: 'addresses admitted to the allowlisted port', registers }),
  };
}

export type GuardMetrics = ReturnType<typeof createGuardMetrics>;
