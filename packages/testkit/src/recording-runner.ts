import { PassThrough } from 'node:stream';
import { type Child, ExecError, type ProcessRunner, type RunOptions, type RunResult } from '@homelab/core';

export interface RecordedCall {
  command: string;
  args: readonly string[];
}

/**
 * A Runner that records every call and answers from a table of handlers (first match wins);
 * unmatched calls succeed with empty output.
 */
export function recordingRunner(
  handlers: { match: (args: readonly string[]) => boolean; result: Partial<RunResult> | (() => Partial<RunResult>) }[] = [],
) {
  const calls: RecordedCall[] = [];
  const runner: ProcessRunner = {
    async run(command: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
      calls.push({ command, args });
      const handler = handlers.find((h) => h.match(args));
      const partial = typeof handler?.result === 'function' ? handler.result() : (handler?.result ?? {});
      const result = { stdout: '', stderr: '', exitCode: 0, durationMs: 1, ...partial };
      if (result.exitCode !== 0 && !(opts?.okExitCodes ?? []).includes(result.exitCode)) {
        throw new ExecError({
          command,
          args,
          exitCode: result.exitCode,
          signal: undefined,
          timedOut: false,
          aborted: false,
          stderr: result.stderr,
          durationMs: 1,
        });
      }
      return result;
    },
    /** A finished fake child: fails when a handler for its args answers a non-zero exit code. */
    start(command: string, args: readonly string[]) {
      calls.push({ command, args });
      const handler = handlers.find((h) => h.match(args));
      const partial = typeof handler?.result === 'function' ? handler.result() : (handler?.result ?? {});
      const exitCode = partial.exitCode ?? 0;
      const child: Child = {
        pid: undefined,
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        running: false,
        done: Promise.resolve({
          exitCode,
          signal: undefined,
          failed: exitCode !== 0,
          timedOut: false,
          aborted: false,
          startError: undefined,
          stderr: partial.stderr ?? '',
          durationMs: 1,
        }),
        kill: () => {},
      };
      return child;
    },
  };
  return { runner, calls };
}
