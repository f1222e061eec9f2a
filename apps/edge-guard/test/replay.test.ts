import { createWriteStream } from 'node:fs';
import { appBundle, httpRequest, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { nsRun, startLoneGuard } from './edge-lab.js';
import { generateLog } from './generate-log.js';

// Acceptance: 1,000,000 generated Caddy lines. The daemon follows the file while it is written in
// torn chunks (real nft in a namespace); `edge-guard replay` of the finished file must decide
// exactly the same bans (target, rule, from, until, offense).

const LINES = 1_000_000;

useCleanup('all');

interface Decision {
  target: string;
  rule: string;
  at: number;
  until: number;
  offense: number;
}

const key = (d: Decision) => [d.target, d.rule, d.at, d.until, d.offense].join(' ');

describe('replay equals live on 1,000,000 lines', () => {
  it('the live follower (written in torn chunks) and replay decide the same bans', async () => {
    const { netns, log, config, health, proc: daemon } = await startLoneGuard('egr', 'interval: 2s\npoll: 50ms\nfrom: start\n');

    // Log times end about now, so the later bans are still running and reach nft.
    const startMs = Date.now() - LINES;
    let written = 0;
    const out = createWriteStream(log, { flags: 'a' });
    let carry = '';
    for (const chunk of generateLog({ lines: LINES, startMs, stepMs: 1 }, 20_000)) {
      written += chunk.split('\n').length - 1;
      // Cut at an odd offset so writes end mid-line.
      const text = carry + chunk;
      const cut = text.length - 137;
      if (!out.write(text.slice(0, cut))) await new Promise<void>((r) => out.once('drain', () => r()));
      carry = text.slice(cut);
    }
    await new Promise<void>((resolve, reject) => out.end(carry, (e?: Error | null) => (e ? reject(e) : resolve())));

    const counted = async () => {
      const m = (await httpRequest(health, '/metrics')).body;
      const n = (name: string) => Number(new RegExp(`${name}\\{app="edge-guard"\\} (\\d+)`).exec(m)?.[1] ?? 0);
      return n('edge_guard_lines_parsed_total') + n('edge_guard_lines_skipped_total');
    };
    await waitFor(async () => (await counted()) === written, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: `the daemon to read ${written} lines`,
    });
    const live = daemon
      .logs()
      .filter((l) => l.msg === 'ban')
      .map((l) => key(l as unknown as Decision));

    const replay = await nsRun(netns, process.execPath, [appBundle('edge-guard'), 'replay', log, '--json', '--config', config], {
      timeoutMs: 120_000,
    });
    expect(replay.code, replay.stderr).toBe(0);
    const result = JSON.parse(replay.stdout) as { lines: number; parsed: number; decisions: Decision[] };
    expect(result.lines).toBe(written);
    expect(result.parsed).toBeLessThan(written);
    expect(result.decisions.length).toBeGreaterThan(50);
    expect(new Set(result.decisions.map((d) => d.rule))).toEqual(new Set(['path-probing', 'method-abuse', 'flood']));
    expect(result.decisions.some((d) => d.offense > 1)).toBe(true);
    expect(live).toEqual(result.decisions.map(key));

    // The bans still running are in the set (nft timeouts from the same log time).
    const running = result.decisions.filter((d) => d.until > Date.now() + 5_000 && !d.target.includes(':')).map((d) => d.target);
    const set = await nsRun(netns, 'nft', ['-j', 'list', 'set', 'inet', 'edge_guard', 'ban4']);
    for (const target of running) expect(set.stdout).toContain(`"${target}"`);
  }, 600_000);
});
