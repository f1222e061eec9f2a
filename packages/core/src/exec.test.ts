import { describe, expect, it } from 'vitest';
import { ExecError } from './errors.js';
import { createRunner } from './exec.js';
import { silentLogger } from './logger.js';

const runner = createRunner({ log: silentLogger() });

async function failure(promise: Promise<unknown>): Promise<ExecError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExecError);
    return error as ExecError;
  }
  throw new Error('expected the command to fail');
}

describe('exec wrapper', () => {
  it('returns stdout, stderr and the exit code', async () => {
    const result = await runner.run('sh', ['-c', 'echo out; echo err >&2']);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
  });

  it('passes arguments as an array, never through a shell', async () => {
    const result = await runner.run('printf', ['%s|', 'a b', '$(id)', ';rm -rf /']);
    expect(result.stdout).toBe('a b|$(id)|;rm -rf /|');
  });

  it('turns a non-zero exit into a typed error carrying stderr', async () => {
    const error = await failure(runner.run('sh', ['-c', 'echo broken pipe dream >&2; exit 3']));
    expect(error.processExitCode).toBe(3);
    expect(error.timedOut).toBe(false);
    expect(error.stderr).toContain('broken pipe dream');
    expect(error.message).toContain('exited with code 3');
  });

  it('accepts extra ok exit codes', async () => {
    const result = await runner.run('sh', ['-c', 'exit 1'], { okExitCodes: [1] });
    expect(result.exitCode).toBe(1);
  });

  it('reports a missing program clearly', async () => {
    const error = await failure(runner.run('/nonexistent/program', []));
    expect(error.processExitCode).toBeUndefined();
    expect(error.stderr).toMatch(/ENOENT/);
  });

  it('kills a child that ignores SIGTERM after the grace period and reports timedOut', async () => {
    const started = Date.now();
    const error = await failure(
      runner.run('sh', ['-c', 'trap "" TERM; while :; do sleep 0.05; done'], { timeoutMs: 300, killAfterMs: 500 }),
    );
    const elapsed = Date.now() - started;
    expect(error.timedOut).toBe(true);
    expect(error.signal).toBe('SIGKILL');
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('aborts through an AbortSignal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(runner.run('sleep', ['30'], { signal: controller.signal, killAfterMs: 1000 }));
    expect(error.aborted).toBe(true);
    expect(error.timedOut).toBe(false);
  });

  it('keeps secret arguments out of the error', async () => {
    const error = await failure(runner.run('sh', ['-c', 'exit 2', 'sh', 'pa55word'], { secretArgs: [3] }));
    expect(JSON.stringify(error.args)).not.toContain('pa55word');
  });
});
