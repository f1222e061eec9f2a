import type { Logger } from '@homelab/core';
import { ExecError, type ProcessRunner, type RunOptions, RuntimeError } from '@homelab/core';
import { detectFeatures, type ZfsFeatures } from './features.js';
import { type Inventory, listingCommand, parseHolds, parseListing } from './inventory.js';

/** zfs cannot be reached at all (zfs-fuse daemon down, OpenZFS module not loaded). */
export class ZfsUnavailableError extends RuntimeError {
  override readonly name = 'ZfsUnavailableError';
}

/** A receive refused because the target changed by hand or diverged. */
export class TargetDivergedError extends RuntimeError {
  override readonly name = 'TargetDivergedError';
}

const UNAVAILABLE = [/zfs-fuse daemon is not running/i, /failed to initialize ZFS library/i, /modules are not loaded/i, /\/dev\/zfs/];

/** Turns an ExecError of zfs into a clearer typed error where the cause is known. */
export function explainZfsError(error: unknown): unknown {
  if (!(error instanceof ExecError)) return error;
  if (error.processExitCode === undefined && !error.signal && !error.timedOut && !error.aborted) {
    return new ZfsUnavailableError(`cannot run ${error.command}: ${error.stderr.trim() || error.message}`, 'ZFS_UNAVAILABLE', {
      cause: error,
    });
  }
  if (UNAVAILABLE.some((re) => re.test(error.stderr))) {
    const line = error.stderr.trim().split('\n').join(' | ');
    return new ZfsUnavailableError(
      `zfs is not available (is the zfs-fuse daemon running / the zfs module loaded?): ${line}`,
      'ZFS_UNAVAILABLE',
      { cause: error },
    );
  }
  return error;
}

export interface ZfsOptions {
  runner: ProcessRunner;
  log: Logger;
  zfsBin?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  sendTimeoutMs?: number;
}

/** Every zfs call of the agent, through the one runner. */
export class Zfs {
  readonly bin: string;
  constructor(
    private readonly opts: ZfsOptions,
    public features: ZfsFeatures = detectFeatures({ exitCode: 1, stdout: '' }),
  ) {
    this.bin = opts.zfsBin ?? 'zfs';
  }

  private runOpts(extra: RunOptions = {}): RunOptions {
    return { timeoutMs: this.opts.timeoutMs ?? 120_000, signal: this.opts.signal, ...extra };
  }

  async run(args: readonly string[], extra: RunOptions = {}) {
    try {
      return await this.opts.runner.run(this.bin, args, this.runOpts(extra));
    } catch (error) {
      throw explainZfsError(error);
    }
  }

  /** `zfs version` once at start: zfs-fuse has no such command (exit 2). */
  async detect(): Promise<ZfsFeatures> {
    const result = await this.run(['version'], { okExitCodes: [1, 2] });
    this.features = detectFeatures(result);
    this.opts.log.info({ features: this.features }, 'zfs features detected');
    return this.features;
  }

  async list(pools: readonly string[]): Promise<Inventory> {
    const args = listingCommand(this.features, pools);
    // A missing pool is reported on stderr with exit 1 while the others are still listed.
    const result = await this.run(args, { okExitCodes: [1] });
    if (result.exitCode !== 0) {
      const other = result.stderr.split('\n').filter((l) => l.trim() && !/dataset does not exist/.test(l));
      if (other.length > 0) {
        throw explainZfsError(
          new ExecError({
            command: this.bin,
            args,
            exitCode: result.exitCode,
            signal: undefined,
            timedOut: false,
            aborted: false,
            stderr: result.stderr,
            durationMs: result.durationMs,
          }),
        );
      }
    }
    return parseListing(this.features, args, result.stdout);
  }

  /** Snapshots in as few processes as the zfs allows (OpenZFS: one per pool and recursion flag). */
  async snapshot(names: readonly string[], recursive: boolean): Promise<void> {
    if (names.length === 0) return;
    const flag = recursive ? ['-r'] : [];
    if (this.features.multiSnapshot) {
      for (const group of groupByPool(names)) await this.run(['snapshot', ...flag, ...group]);
    } else {
      for (const name of names) await this.run(['snapshot', ...flag, name]);
    }
  }

  /** Destroys snapshots of one dataset: one comma list on OpenZFS, one process each on zfs-fuse. */
  async destroy(dataset: string, snapshots: readonly string[]): Promise<void> {
    if (snapshots.length === 0) return;
    if (this.features.destroyList) {
      await this.run(['destroy', `${dataset}@${snapshots.join(',')}`]);
      return;
    }
    for (const snap of snapshots) await this.run(['destroy', `${dataset}@${snap}`]);
  }

  /** One `zfs hold` for all (zfs goes on past a snapshot that already has the tag). */
  async hold(tag: string, snapshots: readonly string[]): Promise<void> {
    await this.tolerant(['hold', tag, ...snapshots], /tag already exists/);
  }

  /** One `zfs release`; a snapshot without the tag is fine (zfs goes on with the others). */
  async release(tag: string, snapshots: readonly string[]): Promise<void> {
    await this.tolerant(['release', tag, ...snapshots], /no such tag/);
  }

  private async tolerant(args: readonly string[], benign: RegExp): Promise<void> {
    if (args.length <= 2) return;
    try {
      await this.run(args);
    } catch (error) {
      const lines = error instanceof ExecError ? error.stderr.split('\n').filter((l) => l.trim()) : [];
      if (lines.length === 0 || !lines.every((l) => benign.test(l))) throw error;
    }
  }

  /** OpenZFS only: which of these snapshots carry `tag`. */
  async heldBy(tag: string, snapshots: readonly string[]): Promise<string[]> {
    if (snapshots.length === 0) return [];
    const result = await this.run(['holds', '-H', '-p', ...snapshots]);
    const asked = new Set(snapshots);
    return parseHolds(result.stdout)
      .filter((h) => h.tag === tag && asked.has(h.snapshot))
      .map((h) => h.snapshot);
  }

  async set(property: string, value: string, dataset: string): Promise<void> {
    await this.run(['set', `${property}=${value}`, dataset]);
  }

  /** `zfs send ... | zfs receive ...` as two processes of the runner, piped. */
  async sendReceive(sendArgs: readonly string[], receiveArgs: readonly string[], context: Record<string, unknown>): Promise<void> {
    const opts = {
      timeoutMs: this.opts.sendTimeoutMs ?? 6 * 3_600_000,
      signal: this.opts.signal,
      logLevel: 'info' as const,
      logContext: context,
    };
    const started = performance.now();
    const send = this.opts.runner.start(this.bin, sendArgs, { ...opts, stdout: 'pipe', binary: true });
    const receive = this.opts.runner.start(this.bin, receiveArgs, { ...opts, stdin: 'pipe' });
    send.stdout?.pipe(receive.stdin as NodeJS.WritableStream);
    // A receive that dies leaves send writing into a closed pipe: end it instead of waiting.
    receive.stdin?.on('error', () => {});
    const receiveResult = await receive.done;
    if (receiveResult.failed) send.kill('SIGTERM');
    const sendResult = await send.done;
    const durationMs = Math.round(performance.now() - started);
    for (const [args, result] of [
      [receiveArgs, receiveResult],
      [sendArgs, sendResult],
    ] as const) {
      if (!result.failed) continue;
      const error = new ExecError({
        command: `${this.bin} ${args[0]}`,
        args,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        aborted: result.aborted,
        stderr: result.stderr || (result.startError ?? ''),
        durationMs,
      });
      throw explainZfsError(error);
    }
    this.opts.log.info({ ...context, durationMs }, 'send/receive done');
  }
}

/** OpenZFS snapshots several datasets in one call only within one pool. */
function groupByPool(names: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const pool = name.split('/')[0]?.split('@')[0] as string;
    groups.set(pool, [...(groups.get(pool) ?? []), name]);
  }
  return [...groups.values()];
}
