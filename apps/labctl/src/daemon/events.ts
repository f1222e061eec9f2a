import { onLines, type ProcessRunner } from '@homelab/core';

/** One container event from `podman events --format json`. */
export interface ContainerEvent {
  name: string;
  status: string;
}

/**
 * Events after which a container has a new network namespace without our links: `start` (podman start,
 * run, restart) and `restart` (podman restart and the restart policy). `init` comes before the process
 * runs and is always followed by `start`.
 */
export const REWIRE_STATUSES = new Set(['start', 'restart']);

/** Pure: one line of `podman events --format json` (podman 4), or undefined for anything else. */
export function parseEvent(line: string): ContainerEvent | undefined {
  if (!line.trim().startsWith('{')) return undefined;
  try {
    const e = JSON.parse(line) as { Name?: unknown; Status?: unknown; Type?: unknown };
    if (e.Type !== undefined && e.Type !== 'container') return undefined;
    return typeof e.Name === 'string' && typeof e.Status === 'string' ? { name: e.Name, status: e.Status } : undefined;
  } catch {
    return undefined;
  }
}

export interface EventStream {
  /** Resolves when the stream ends (podman exited or was stopped). */
  ended: Promise<void>;
  stop(): void;
}

/** Follows `podman events` (as `user` for rootless podman) and calls `onEvent` per container event. */
export function followEvents(runner: ProcessRunner, onEvent: (e: ContainerEvent) => void, user?: string): EventStream {
  const args = ['events', '--format', 'json', '--filter', 'type=container'];
  const controller = new AbortController();
  const child = user
    ? runner.start('runuser', ['-u', user, '--', 'podman', ...args], {
        signal: controller.signal,
        buffer: false,
        timeoutMs: 2 ** 31 - 1,
        killAfterMs: 2_000,
      })
    : runner.start('podman', args, { signal: controller.signal, buffer: false, timeoutMs: 2 ** 31 - 1, killAfterMs: 2_000 });
  onLines(child.stdout, (line) => {
    const event = parseEvent(line);
    if (event) onEvent(event);
  });
  const ended = child.done.then(() => undefined);
  return { ended, stop: () => controller.abort() };
}
