import { type ChildExit, type Logger, type ProcessRunner, type SupervisedChild, superviseChild } from '@homelab/core';

export type { ChildExit };

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

/**
 * Runs the Minecraft server as a child (core's supervisor) and stops it the way it must be
 * stopped: `stop` over RCON first, so the world is saved; the signals only when that does not work.
 */
export class Supervisor {
  private child: SupervisedChild | undefined;
  private exitInfo: ChildExit | undefined;
  /** Resolves when the child has exited. */
  exited: Promise<ChildExit> = new Promise(() => {});
  stopping = false;

  constructor(private readonly opts: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child?.running === true;
  }

  /** Starts the server (again, after a stop: a restart). */
  start(): void {
    const { runner, command, args, cwd, log } = this.opts;
    this.exitInfo = undefined;
    this.stopping = false;
    const child = superviseChild({
      runner,
      command,
      args,
      cwd,
      log,
      name: 'minecraft server',
      onLine: this.opts.onLine,
      killAfterMs: this.opts.killTimeoutMs,
    });
    this.child = child;
    this.exited = child.exited.then((exit) => {
      this.exitInfo = exit;
      return exit;
    });
  }

  forward(signal: NodeJS.Signals): void {
    if (!this.running) return;
    this.opts.log.info({ signal }, 'forwarding signal to the server');
    this.child?.signal(signal);
  }

  /** `stop` over RCON, wait; then SIGTERM, wait; then SIGKILL. Resolves with how it exited. */
  async stop(): Promise<ChildExit> {
    this.stopping = true;
    if (!this.child) return { code: undefined, signal: undefined, durationMs: 0 };
    if (this.exitInfo) return this.exitInfo;
    const { log } = this.opts;
    try {
      await this.opts.sendStop();
      log.info('sent stop to the server; waiting for it to save and exit');
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not send stop over RCON; sending SIGTERM');
    }
    if (await this.child.exitedWithin(this.opts.stopTimeoutMs)) return this.exited;
    log.warn({ timeoutMs: this.opts.stopTimeoutMs }, 'server did not exit after stop; sending SIGTERM');
    return this.child.stop();
  }
}
