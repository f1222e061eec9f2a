/** Recording fakes of the sequence's ports, for unit tests. */
import type { Clock } from '@homelab/core';
import { SteppingClock } from '@homelab/testkit';
import type { ArchiveInfo, ArchiveStats, Borg, CommandOptions, Rcon, RconConnector, Stager, StageStats } from '../src/ports.js';
import { type KeepCounts, planRetention } from '../src/retention.js';
import { type BackupState, initialState, memoryStateStore } from '../src/state.js';

export type Behaviour = string | Error | 'hang' | ((text: string) => string | Promise<string>);

/** Everything the fakes saw, in order, e.g. `rcon#1 save-off`, `stage`, `borg create a`. */
export class Recorder {
  readonly calls: string[] = [];
  add(call: string): void {
    this.calls.push(call);
  }
  names(): string[] {
    return this.calls.map((c) => c.replace(/^rcon#\d+ /, ''));
  }
}

export class FakeRcon implements Rcon {
  closed = false;
  constructor(
    private readonly label: string,
    private readonly rec: Recorder,
    private readonly behaviours: Record<string, Behaviour>,
    private readonly onCommand?: (text: string) => void,
  ) {}
  async command(text: string, opts: CommandOptions = {}): Promise<string> {
    if (this.closed) throw new Error('connection closed');
    const key = Object.keys(this.behaviours).find((k) => text.startsWith(k));
    const behaviour = key !== undefined ? this.behaviours[key] : undefined;
    this.rec.add(`${this.label} ${text}`);
    this.onCommand?.(text);
    if (behaviour instanceof Error) throw behaviour;
    if (behaviour === 'hang') {
      return new Promise((_, reject) => {
        opts.signal?.addEventListener('abort', () => reject(new Error(`"${text}" aborted`)), { once: true });
        if (opts.timeoutMs !== undefined) setTimeout(() => reject(new Error(`"${text}" timed out after ${opts.timeoutMs} ms`)), 5);
      });
    }
    if (typeof behaviour === 'function') return behaviour(text);
    if (typeof behaviour === 'string') return behaviour;
    return DEFAULT_REPLIES[text.split(' ')[0] as string] ?? '';
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const DEFAULT_REPLIES: Record<string, string> = {
  'save-off': 'Automatic saving is now disabled',
  'save-all': 'Saving the game (this may take a moment!)Saved the game',
  'save-on': 'Automatic saving is now enabled',
};

export class FakeConnector implements RconConnector {
  opened: FakeRcon[] = [];
  /** Errors for the next connects, in order (undefined = succeed). */
  failures: (Error | undefined)[] = [];
  unreachable = false;
  constructor(
    private readonly rec: Recorder,
    public behaviours: Record<string, Behaviour> = {},
    private readonly onCommand?: (text: string) => void,
  ) {}
  async connect(): Promise<Rcon> {
    const failure = this.unreachable ? new Error('connect ENOENT /run/rcon/backup.sock') : this.failures.shift();
    if (failure) {
      this.rec.add('connect failed');
      throw failure;
    }
    const conn = new FakeRcon(`rcon#${this.opened.length + 1}`, this.rec, this.behaviours, this.onCommand);
    this.opened.push(conn);
    return conn;
  }
}

export class FakeStager implements Stager {
  behaviour: 'ok' | Error | 'hang' = 'ok';
  precopy?: Stager['precopy'];
  constructor(private readonly rec: Recorder) {}
  /** Gives the fake a pre-copy step (recorded as `precopy`), optionally failing. */
  enablePrecopy(failure?: Error): void {
    this.precopy = async () => {
      this.rec.add('precopy');
      if (failure) throw failure;
      return { filesTransferred: 10, bytesTransferred: 10_000 };
    };
  }
  async stage(signal?: AbortSignal): Promise<StageStats> {
    this.rec.add('stage');
    if (this.behaviour instanceof Error) throw this.behaviour;
    if (this.behaviour === 'hang') {
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('rsync was aborted')), { once: true }));
    }
    return { filesTransferred: 3, bytesTransferred: 3000 };
  }
}

/** A repository in memory: archives get the clock's time; prune applies the retention policy. */
export class FakeBorg implements Borg {
  archives: ArchiveInfo[] = [];
  fail: Partial<Record<'create' | 'prune' | 'compact', Error>> = {};
  constructor(
    private readonly rec: Recorder,
    private readonly clock: Clock,
  ) {}
  async create(archive: string, dir: string): Promise<ArchiveStats> {
    this.rec.add(`borg create ${dir}`);
    if (this.fail.create) throw this.fail.create;
    this.archives.push({ name: archive, time: this.clock.now() });
    return { name: archive, originalBytes: 1000, compressedBytes: 500, deduplicatedBytes: 100, files: 3 };
  }
  async prune(keep: KeepCounts): Promise<{ pruned: string[] }> {
    this.rec.add('borg prune');
    if (this.fail.prune) throw this.fail.prune;
    const decision = planRetention(this.archives, keep);
    this.archives = decision.keep.map((k) => k.archive);
    return { pruned: decision.prune.map((a) => a.name) };
  }
  async compact(): Promise<void> {
    this.rec.add('borg compact');
    if (this.fail.compact) throw this.fail.compact;
  }
}

export function fakeWorld(opts: { staged?: boolean; state?: BackupState } = {}) {
  const rec = new Recorder();
  const clock = new SteppingClock();
  const state = memoryStateStore(opts.state ?? initialState(clock.time));
  const pausedAtSaveOff: boolean[] = [];
  const connector = new FakeConnector(rec, {}, (text) => {
    if (text === 'save-off') pausedAtSaveOff.push(state.current.paused !== null);
  });
  const stager = new FakeStager(rec);
  const borg = new FakeBorg(rec, clock);
  return { rec, clock, state, connector, stager, borg, pausedAtSaveOff, staged: opts.staged ?? true };
}
