import { execFileSync } from 'node:child_process';

const owned = new Set<string>();

/** Runs `ip` with arguments (no shell), throwing with stderr on failure. */
export function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command inside a named network namespace. */
export function inNetns(ns: string, command: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  return execFileSync('ip', ['netns', 'exec', ns, command, ...args], {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 15_000,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/** Creates a named network namespace (lo up) that `removeNetnses` will delete, also on failure. */
export function createNetns(name: string): string {
  if (Buffer.byteLength(name) > 64) throw new Error(`netns name too long: ${name}`);
  ip(['netns', 'add', name]);
  owned.add(name);
  ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

export function removeNetns(name: string): void {
  try {
    ip(['netns', 'del', name]);
  } catch {
    // already gone
  }
  owned.delete(name);
}

export function removeNetnses(): void {
  for (const name of [...owned]) removeNetns(name);
}

/** A short unique prefix for this test process's namespaces, so parallel runs never collide. */
export function netnsPrefix(tag: string): string {
  return `t${process.pid.toString(36)}${tag}`;
}

/** True when this process may create network namespaces (root with CAP_SYS_ADMIN). */
export function canUseNetns(): boolean {
  const probe = `tprobe${process.pid}`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return true;
  } catch {
    return false;
  }
}
