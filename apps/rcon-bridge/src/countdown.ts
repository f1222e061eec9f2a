/**
 * Announced restarts and stops: the bridge-level commands, the countdown plan and its in-game
 * texts. Pure: the clock and the server are the caller's.
 */
export type BridgeAction = 'restart' | 'stop';
export type BridgeCommand = { kind: BridgeAction; reason: string } | { kind: 'cancel' } | { kind: 'status' };

/** Commands the bridge answers itself on the full socket; they never go upstream. */
export const BRIDGE_COMMAND_PREFIX = 'bridge:';

/**
 * Pure: `bridge:restart [REASON]`, `bridge:stop [REASON]`, `bridge:cancel`, `bridge:status`
 * (a leading `/` allowed, like vanilla), else undefined (an ordinary command). An unknown
 * `bridge:` verb is an error, so a typo never reaches the server.
 */
export function parseBridgeCommand(text: string): BridgeCommand | { kind: 'unknown'; verb: string } | undefined {
  const trimmed = text.trim().replace(/^\//, '');
  if (!trimmed.toLowerCase().startsWith(BRIDGE_COMMAND_PREFIX)) return undefined;
  const [head = '', ...rest] = trimmed.split(/\s+/);
  const verb = head.slice(BRIDGE_COMMAND_PREFIX.length).toLowerCase();
  // In-game text: printable characters only, bounded.
  const reason = rest
    .join(' ')
    .replace(/[\p{Cc}\p{Cf}§]/gu, '')
    .slice(0, 100);
  if (verb === 'restart' || verb === 'stop') return { kind: verb, reason };
  if ((verb === 'cancel' || verb === 'status') && rest.length === 0) return { kind: verb };
  return { kind: 'unknown', verb };
}

export interface Announcement {
  /** When to say it (ms since the epoch). */
  at: number;
  /** Time left until the action, ms. */
  remainingMs: number;
}

export interface CountdownPlan {
  announcements: Announcement[];
  /** When the action happens. */
  actAt: number;
}

/** Pure: one announcement per step (steps are "time left", longest first), the action after the first. */
export function planCountdown(stepsMs: readonly number[], start: number): CountdownPlan {
  const total = stepsMs[0] ?? 0;
  return { announcements: stepsMs.map((left) => ({ at: start + total - left, remainingMs: left })), actAt: start + total };
}

/** Pure: "5 minutes", "1 minute", "30 seconds", "1 hour 30 minutes". */
export function humanDuration(ms: number): string {
  const parts: string[] = [];
  let s = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ] as const) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' ') || '0 seconds';
}

/** Pure: the text for one step: {action} (restarting/stopping), {time}, {reason} filled in. */
export function countdownText(template: string, action: BridgeAction, remainingMs: number, reason: string): string {
  const text = template
    .replaceAll('{action}', action === 'restart' ? 'restarting' : 'stopping')
    .replaceAll('{time}', humanDuration(remainingMs))
    .replaceAll('{reason}', reason);
  return text.replace(/\s+/g, ' ').trim();
}

/** Pure: BRIDGE_COUNTDOWN ("5m,1m,30s,10s") to ms, checked: each 1s-1h, strictly decreasing, at most 20. */
export function parseCountdownSteps(value: string, parseDuration: (v: string) => number | undefined): number[] | string {
  const raw = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (raw.length === 0 || raw.length > 20) return 'expected 1 to 20 comma-separated durations, longest first, e.g. 5m,1m,30s,10s';
  const steps: number[] = [];
  for (const item of raw) {
    const ms = parseDuration(item);
    if (ms === undefined) return `"${item}" is not a duration`;
    if (!Number.isFinite(ms) || ms < 1_000 || ms > 3_600_000) return `"${item}" is outside 1s-1h`;
    if (steps.length > 0 && ms >= (steps.at(-1) as number)) return `"${item}" is not shorter than the step before it`;
    steps.push(ms);
  }
  return steps;
}
