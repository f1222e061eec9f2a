import { parseCaddyLine } from './caddy-log.js';
import { createFollower } from './follower.js';
import { type BanDecision, decide, emptyPolicyState, type PolicyOptions } from './policy.js';

export interface ReplayResult {
  lines: number;
  parsed: number;
  decisions: BanDecision[];
}

/**
 * Dry run: the same line splitting, parser and policy as the daemon, from an empty state, over a
 * whole file. Decisions use log time, so the result is what the daemon decided (or would decide) live.
 */
export async function replayFile(path: string, policy: PolicyOptions): Promise<ReplayResult> {
  const state = emptyPolicyState();
  const result: ReplayResult = { lines: 0, parsed: 0, decisions: [] };
  const follower = createFollower({
    path,
    from: 'start',
    onLines(lines) {
      result.lines += lines.length;
      for (const line of lines) {
        const event = parseCaddyLine(line);
        if (!event) continue;
        result.parsed++;
        for (const d of decide(state, policy, event, event.ts)) result.decisions.push(d);
      }
    },
  });
  try {
    await follower.poll();
  } finally {
    await follower.close();
  }
  return result;
}
