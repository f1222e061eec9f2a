import { ExecError, type Logger, type Runner, RuntimeError } from '@homelab/core';

export interface WorktreeUpdate {
  /** What happened: already current, or fast-forwarded from one commit to another. */
  action: 'up-to-date' | 'fast-forwarded';
  from: string;
  to: string;
  upstream: string;
}

/**
 * The notes' check-working-tree step, made safe: fetch the origin, then fast-forward the tree to
 * its upstream branch. Local changes to tracked files, local commits or a diverged history stop
 * with a clear error; nothing is ever reset or discarded. Untracked files (the world, logs) are
 * left alone; git itself refuses a fast-forward that would overwrite one.
 */
export async function updateWorktree(
  dir: string,
  deps: { runner: Runner; log: Logger; timeoutMs: number; signal?: AbortSignal },
): Promise<WorktreeUpdate> {
  const git = async (...args: string[]) => {
    try {
      const result = await deps.runner.run('git', ['-C', dir, ...args], { timeoutMs: deps.timeoutMs, signal: deps.signal });
      return result.stdout.trim();
    } catch (error) {
      const detail = error instanceof ExecError ? error.stderr.trim().split('\n').slice(-2).join(' | ') || error.message : String(error);
      throw new RuntimeError(`working tree ${dir}: git ${args[0]} failed: ${detail}`, 'WORKTREE_GIT', { cause: error });
    }
  };

  await git('rev-parse', '--is-inside-work-tree');
  const dirty = await git('status', '--porcelain', '--untracked-files=no');
  if (dirty) {
    const files = dirty
      .split('\n')
      .slice(0, 5)
      .map((l) => l.trim())
      .join(', ');
    throw new RuntimeError(
      `working tree ${dir} has local changes (${files}); commit, push or discard them yourself: the bridge never resets a tree`,
      'WORKTREE_DIRTY',
    );
  }
  const upstream = await git('rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}').catch((error: RuntimeError) => {
    throw new RuntimeError(
      `working tree ${dir}: the current branch has no upstream to update from (${error.message})`,
      'WORKTREE_NO_UPSTREAM',
    );
  });
  const remote = upstream.split('/')[0] ?? 'origin';
  await git('fetch', '--quiet', remote);
  const head = await git('rev-parse', 'HEAD');
  const target = await git('rev-parse', '@{upstream}');
  if (head === target) {
    deps.log.info({ dir, upstream, commit: head }, 'working tree is up to date with its origin');
    return { action: 'up-to-date', from: head, to: head, upstream };
  }
  const counts = await git('rev-list', '--left-right', '--count', `HEAD...@{upstream}`);
  const [ahead = 0, behind = 0] = counts.split(/\s+/).map(Number);
  if (ahead > 0) {
    const how =
      behind > 0
        ? `has diverged from ${upstream} (${ahead} local, ${behind} upstream commits)`
        : `is ${ahead} commit(s) ahead of ${upstream}`;
    throw new RuntimeError(`working tree ${dir} ${how}; reconcile it yourself: the bridge only fast-forwards`, 'WORKTREE_DIVERGED');
  }
  await git('merge', '--ff-only', '--quiet', '@{upstream}');
  deps.log.info({ dir, upstream, from: head, to: target, behind }, 'working tree fast-forwarded to its origin');
  return { action: 'fast-forwarded', from: head, to: target, upstream };
}
