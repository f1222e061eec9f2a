import type { ChildProcess } from 'node:child_process';

/** How a process group run ended, as far as the watchdog knows. */
export interface GroupOutcome {
  timedOut: boolean;
  aborted: boolean;
}

/**
 * Watches a child started as the leader of its own process group (`detached`) and stops the whole
 * group, not just the leader: at the timeout, on abort, and when the leader exits (anything it left
 * running, such as `sleep 1000 &` in a shell script, would otherwise hold its output pipes open
 * and outlive it). Stopping is SIGTERM to the group, then SIGKILL after `killAfterMs`.
 * `settled()` resolves once no process of the group is left (or SIGKILL was sent and a grace passed).
 */
export function watchProcessGroup(
  child: ChildProcess,
  opts: { timeoutMs: number; killAfterMs: number; signal?: AbortSignal },
): { outcome: GroupOutcome; settled(): Promise<void> } {
  const outcome: GroupOutcome = { timedOut: false, aborted: false };
  const pid = child.pid;
  if (pid === undefined) return { outcome, settled: async () => {} };
  let killTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  const stopGroup = () => {
    if (stopping || !signalGroup(pid, 'SIGTERM')) return;
    stopping = true;
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), opts.killAfterMs);
  };
  const timer = setTimeout(() => {
    outcome.timedOut = true;
    stopGroup();
  }, opts.timeoutMs);
  const onAbort = () => {
    outcome.aborted = true;
    stopGroup();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const leaderExited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      stopGroup();
      resolve();
    });
    child.once('error', () => resolve());
  });

  return {
    outcome,
    async settled() {
      await leaderExited;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      // The group's last member may still be dying: wait for it, but never longer than the SIGKILL grace.
      const deadline = Date.now() + opts.killAfterMs + 2_000;
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      if (!groupAlive(pid)) clearTimeout(killTimer);
    },
  };
}

/** Sends `sig` to every process of the group; false when the group is gone. */
function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

const groupAlive = (pgid: number) => signalGroup(pgid, 0);
