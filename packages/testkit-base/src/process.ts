import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitFor } from './wait.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process started by a test: its output as lines, and helpers to wait and stop it. */
export class TestProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    collectLines(child.stdout, this.stdout);
    collectLines(child.stderr, this.stderr);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.on('error', () => {
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get output(): string {
    return [...this.stdout, ...this.stderr].join('\n');
  }

  /** Parsed JSON log lines from stdout (non-JSON lines skipped). */
  logs(): Record<string, unknown>[] {
    return this.stdout.flatMap((line) => {
      try {
        const value = JSON.parse(line);
        return value && typeof value === 'object' ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return waitFor(() => [...this.stdout, ...this.stderr].find((line) => pattern.test(line)), {
      timeoutMs,
      what: `${this.label} to print ${pattern}\n--- output so far ---\n${this.output.slice(-3000)}`,
    });
  }

  async waitExit(timeoutMs = 15_000): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.label} did not exit within ${timeoutMs} ms\n${this.output.slice(-3000)}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exitInfo === undefined && this.child.pid) {
      try {
        process.kill(this.child.pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(graceMs = 5_000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

// node's own line reader, not core's onLines: this package depends on no workspace package.
function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => into.push(line));
}

const running = new Set<TestProcess>();

export interface StartOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  label?: string;
  /** Replace instead of extend the parent's environment. */
  cleanEnv?: boolean;
  stdin?: 'pipe' | 'ignore';
}

/** Spawns a real process (argument array, no shell) that `stopAllProcesses` will stop by PID. */
export function startProcess(command: string, args: readonly string[], opts: StartOptions = {}): TestProcess {
  const env = opts.cleanEnv ? { PATH: process.env.PATH, ...opts.env } : { ...process.env, ...opts.env };
  const child = spawn(command, args, { cwd: opts.cwd, env, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  const proc = new TestProcess(child, opts.label ?? command);
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  return proc;
}

export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(3_000)));
}
