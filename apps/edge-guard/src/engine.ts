import { readFile, rename, unlink } from 'node:fs/promises';
import type { Clock, Logger, StateFile } from '@homelab/core';
import { parseTarget, type Target } from './address.js';
import { parseCaddyLine } from './caddy-log.js';
import type { Ddns } from './ddns.js';
import { diffAdmitted } from './ddns-plan.js';
import type { FollowPosition } from './follower.js';
import type { GuardMetrics } from './metrics.js';
import type { Nft } from './nft.js';
import { addBansScript, admitScript, type Element, removeBanScript, tableScript } from './nft-script.js';
import { type BanDecision, decide, emptyPolicyState, type PolicyOptions } from './policy.js';
import type { GuardState } from './state.js';

export interface EngineOptions {
  policy: PolicyOptions;
  nft: Nft;
  clock: Clock;
  log: Logger;
  metrics: GuardMetrics;
  store: StateFile<GuardState>;
  restored: GuardState;
  unbanSpool: string;
  ddns?: { ddns: Ddns; port: number; elementTimeoutMs: number };
}

/** The live side: log lines in, bans out to nft in batches, the table re-asserted, state persisted. */
export function createEngine(opts: EngineOptions) {
  const { log, metrics, clock } = opts;
  const state = emptyPolicyState();
  for (const b of opts.restored.bans) state.bans.set(b.target, b);
  for (const o of opts.restored.offenses) state.offenses.set(o.target, { count: o.count, last: o.last });
  let pending: BanDecision[] = [];
  let applied = new Set<string>();
  let position: FollowPosition | undefined = opts.restored.position;
  let lastReconcile: { at: number; ok: boolean } | undefined;
  // What the state file holds since this process last wrote it; a failed write leaves it as it was.
  let persisted: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  // One nft transaction at a time, in order.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };

  const activeBans = (now: number) => [...state.bans.values()].filter((b) => b.until > now + 1000);
  const banElements = (now: number): Element[] => activeBans(now).map((b) => ({ target: b.target, timeoutMs: b.until - now }));
  const admittedElements = (): Element[] =>
    opts.ddns ? opts.ddns.ddns.plan().addresses.map((a) => ({ target: a, timeoutMs: opts.ddns?.elementTimeoutMs ?? 0 })) : [];

  const updateGauges = () => {
    metrics.bansActive.set(activeBans(clock.now()).length);
    if (opts.ddns) {
      const plan = opts.ddns.ddns.plan();
      metrics.namesResolved.set(opts.ddns.ddns.resolvedCount());
      metrics.namesStale.set(plan.stale.length);
      metrics.namesExpired.set(plan.expired.length);
      metrics.admitted.set(plan.addresses.length);
    }
  };

  const reconcileNow = async () => {
    // No sweep here: the policy's state runs on log time and sweeps itself (a wall-clock sweep
    // would forget buckets the next lines still count on, and replay would no longer equal live).
    const now = clock.now();
    const admitted = admittedElements();
    try {
      await opts.nft.apply(
        tableScript({ bans: banElements(now), admitted, ...(opts.ddns ? { admitPort: opts.ddns.port } : {}) }),
        'reconcile',
      );
      applied = new Set(admitted.map((e) => e.target));
      lastReconcile = { at: now, ok: true };
      metrics.reconciles.inc();
    } catch (error) {
      lastReconcile = { at: now, ok: false };
      metrics.nftFailures.inc();
      log.error({ err: error }, 'cannot re-assert the edge_guard table');
    }
    updateGauges();
  };

  return {
    /** Parses and judges lines; decisions wait for `flushBans`. */
    ingest(lines: readonly string[]): void {
      let parsed = 0;
      for (const line of lines) {
        const event = parseCaddyLine(line);
        if (!event) continue;
        parsed++;
        for (const d of decide(state, opts.policy, event, event.ts)) {
          pending.push(d);
          metrics.ruleHits.inc({ rule: d.rule });
          log.info({ target: d.target, rule: d.rule, reason: d.reason, at: d.at, until: d.until, offense: d.offense }, 'ban');
        }
      }
      metrics.linesParsed.inc(parsed);
      metrics.linesSkipped.inc(lines.length - parsed);
    },
    setPosition(p: FollowPosition | undefined) {
      if (p) position = p;
    },
    hasPending: () => pending.length > 0,
    /** Applies the decided bans as one transaction; a failure (table gone) re-asserts everything. */
    flushBans: () =>
      serial(async () => {
        if (pending.length === 0) return;
        const now = clock.now();
        const batch = pending.filter((d) => d.until > now + 1000);
        pending = [];
        if (batch.length === 0) return;
        try {
          await opts.nft.apply(addBansScript(batch.map((d) => ({ target: d.target, timeoutMs: d.until - now }))), 'ban');
        } catch (error) {
          metrics.nftFailures.inc();
          log.warn({ err: error }, 'adding bans failed; re-asserting the whole table');
          await reconcileNow();
        }
        updateGauges();
      }),
    reconcile: () =>
      serial(async () => {
        await takeUnbans();
        await reconcileNow();
      }),
    /** Asks DNS for due names and moves the admitted set add-before-remove in one transaction. */
    refreshDdns: () =>
      serial(async () => {
        if (!opts.ddns) return;
        await opts.ddns.ddns.refreshDue();
        const next = admittedElements();
        const { added, removed } = diffAdmitted(
          applied,
          next.map((e) => e.target),
        );
        if (added.length > 0 || removed.length > 0) {
          try {
            await opts.nft.apply(admitScript(next, removed), 'admit');
            applied = new Set(next.map((e) => e.target));
            log.info({ added, removed }, 'admitted addresses changed');
          } catch (error) {
            metrics.nftFailures.inc();
            log.warn({ err: error }, 'updating the admitted set failed; re-asserting the whole table');
            await reconcileNow();
          }
        }
        updateGauges();
      }),
    /** Writes the state file when its content changed since the last write (an idle daemon writes nothing). */
    async persist(): Promise<void> {
      const now = clock.now();
      const document: GuardState = {
        version: 1,
        bans: activeBans(now),
        offenses: [...state.offenses].map(([target, o]) => ({ target, count: o.count, last: o.last })),
        ...(position ? { position } : {}),
        ddns: opts.ddns?.ddns.records() ?? {},
      };
      const text = JSON.stringify(document);
      if (text === persisted) return;
      await opts.store.write(document);
      persisted = text;
    },
    status: () => ({ bansActive: activeBans(clock.now()).length, lastReconcile, admitted: [...applied].length }),
    lastReconcile: () => lastReconcile,
  };

  /** Takes `edge-guard unban` requests (rename claims the file, so a concurrent append lands in a new one). */
  async function takeUnbans(): Promise<void> {
    const claimed = `${opts.unbanSpool}.taken`;
    try {
      await rename(opts.unbanSpool, claimed);
    } catch {
      return;
    }
    const text = await readFile(claimed, 'utf8').catch(() => '');
    await unlink(claimed).catch(() => {});
    for (const line of text.split('\n')) {
      const target = parseTarget(line.trim());
      if (!target) continue;
      if (state.bans.delete(target)) log.info({ target }, 'unbanned');
      pending = pending.filter((d) => d.target !== target);
      await opts.nft.apply(removeBanScript(target), 'unban').catch(() => {});
    }
  }
}

export type Engine = ReturnType<typeof createEngine>;
export type { Target };
