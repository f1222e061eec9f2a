import { type Logger, onLines, type ProcessRunner } from '@homelab/core';

export interface ChildExit {
  code: number | undefined;
  signal: string | undefined;
  /** Why it could not be started at all (e.g. ENOENT), when that is the case. */
  error?: string;
}

export interface SupervisorOptions {
  command: string;
  args: readonly string[];
  cwd?: string;
  runner: ProcessRunner;
  log: Logger;
  /** Every line the server prints (stdout and stderr). */
  onLine(line: string): void;
  /** Asks the server to stop itself (RCON `stop`); may throw when it is unreachable. */
  sendStop(): Promise<void>;
  stopTimeoutMs: number;
  killTimeoutMs: number;
}

/** Signals passed on to the server as they are; SIGTERM/SIGINT instead start the graceful stop. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2'];

/** Runs the Minecraft server as a child and stops it the way it must be stopped: `stop`, then signals. */
export class Supervisor {
  private child: ReturnType<ProcessRunner['start']> | undefined;
  private exitInfo: ChildExit | undefined;
  /** Resolves when the child has exited. */
  exited: Promise<ChildExit> = new Promise(() => {});
  stopping = false;

  constructor(private readonly opts: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** Starts the server (again, after a stop: a restart). */
  start(): void {
    const { runner, command, args, cwd, log } = this.opts;
    this.exitInfo = undefined;
    this.stopping = false;
    const child = runner.start(command, args, {
      cwd,
      timeoutMs: 0,
      killAfterMs: this.opts.killTimeoutMs,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      logLevel: 'info',
      logContext: { component: 'supervisor' },
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) onLines(stream, this.opts.onLine);
    this.exited = child.then(
      (result) => {
        const notStarted = result.exitCode === undefined && !result.signal;
        return this.onExit({ code: result.exitCode, signal: result.signal, error: notStarted ? result.shortMessage : undefined });
      },
      (error: { exitCode?: number; signal?: string; message?: string }) =>
        this.onExit({ code: error.exitCode, signal: error.signal, error: error.message }),
    );
    log.info({ pid: child.pid, command, args }, 'minecraft server started');
  }

  forward(signal: NodeJS.Signals): void {
    if (!this.running) return;
    this.opts.log.info({ signal }, 'forwarding signal to the server');
    this.child?.kill(signal);
  }

  /** `stop` over RCON, wait; then SIGTERM, wait; then SIGKILL. Resolves with how it exited. */
  async stop(): Promise<ChildExit> {
    this.stopping = true;
    if (!this.child) return { code: undefined, signal: undefined };
    if (this.exitInfo) return this.exitInfo;
    const { log } = this.opts;
    try {
      await this.opts.sendStop();
      log.info('sent stop to the server; waiting for it to save and exit');
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not send stop over RCON; sending SIGTERM');
    }
    if (await this.waitExit(this.opts.stopTimeoutMs)) return this.exited;
    log.warn({ timeoutMs: this.opts.stopTimeoutMs }, 'server did not exit after stop; sending SIGTERM');
    this.child.kill('SIGTERM');
    if (await this.waitExit(this.opts.killTimeoutMs)) return this.exited;
    log.error({ timeoutMs: this.opts.killTimeoutMs }, 'server did not exit after SIGTERM; sending SIGKILL');
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private onExit(info: ChildExit): ChildExit {
    this.exitInfo = info;
    this.opts.log[info.code === 0 ? 'info' : 'warn'](info, 'minecraft server exited');
    return info;
  }

  private async waitExit(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }
}
