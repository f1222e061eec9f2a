/** Typed errors shared by every sidecar. Only an app's entry point turns them into exit codes. */

export interface ConfigIssue {
  /** The config key as the user wrote it: an env var name or a dotted YAML path. */
  key: string;
  /** What is wrong with the value. */
  problem: string;
  /** The form the key expects, when it can be said. */
  expected?: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const expected = issue.expected ? ` (expected ${issue.expected})` : '';
  return `${issue.key}: ${issue.problem}${expected}`;
}

/** Bad configuration: the process must stop with exit code 2 before doing anything. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly exitCode = 2;
  constructor(
    readonly issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(`invalid config: ${issues.map(formatConfigIssue).join('; ')}`, options);
  }
}

/** Bad command line (unknown command or flag, missing argument): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** A failure while doing the work (exit code 1), with a machine-readable code. */
export class RuntimeError extends Error {
  override readonly name: string = 'RuntimeError';
  readonly exitCode: number = 1;
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ExecErrorDetails {
  command: string;
  args: readonly string[];
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  aborted: boolean;
  stderr: string;
  durationMs: number;
}

/** A subprocess failed, timed out or was aborted. Carries everything needed to explain why. */
export class ExecError extends RuntimeError {
  override readonly name = 'ExecError';
  readonly command: string;
  readonly args: readonly string[];
  override readonly exitCode: number;
  readonly processExitCode: number | undefined;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly stderr: string;
  readonly durationMs: number;
  constructor(details: ExecErrorDetails, options?: { cause?: unknown }) {
    super(describeExecFailure(details), 'EXEC_FAILED', options);
    this.command = details.command;
    this.args = details.args;
    this.exitCode = 1;
    this.processExitCode = details.exitCode;
    this.signal = details.signal;
    this.timedOut = details.timedOut;
    this.aborted = details.aborted;
    this.stderr = details.stderr;
    this.durationMs = details.durationMs;
  }
}

function describeExecFailure(d: ExecErrorDetails): string {
  const how = d.timedOut
    ? `timed out after ${d.durationMs} ms`
    : d.aborted
      ? 'was aborted'
      : d.signal
        ? `was killed by ${d.signal}`
        : `exited with code ${d.exitCode}`;
  const lastLine = d.stderr.trim().split('\n').slice(-3).join(' | ');
  return `${d.command} ${how}${lastLine ? `: ${lastLine}` : ''}`;
}

/** Another live process holds a lock file. */
export class LockHeldError extends RuntimeError {
  override readonly name = 'LockHeldError';
  constructor(
    readonly path: string,
    readonly holderPid: number,
  ) {
    super(`lock ${path} is held by live process ${holderPid}`, 'LOCK_HELD');
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
