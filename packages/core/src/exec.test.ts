import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecError } from './errors.js';
import { createRunner } from './exec.js';
import { isProcessAlive } from './lock-file.js';
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

describe('exec wrapper with processGroup', () => {
  const dirs: string[] = [];
  // Background children the scripts report: killed by PID after each test, whatever it asserted.
  const reported = (dir: string) => readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      for (const pid of reported(dir)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const pidDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-group-'));
    dirs.push(dir);
    return dir;
  };
  const background = (dir: string, rest: string) => `sleep 1000 & echo $! > '${join(dir, 'pids')}'; ${rest}`;

  it('the timeout stops the background children too, even those holding the output pipes', async () => {
    const dir = pidDir();
    const error = await failure(
      runner.run('sh', ['-c', background(dir, 'sleep 999')], { timeoutMs: 300, killAfterMs: 500, processGroup: true }),
    );
    expect(error.timedOut).toBe(true);
    expect(reported(dir).filter(isProcessAlive)).toEqual([]);
  });

  it('SIGKILLs a group member that ignores SIGTERM', async () => {
    const dir = pidDir();
    const script = `(trap '' TERM; while :; do sleep 0.05; done) & echo $! > '${join(dir, 'pids')}'; sleep 999`;
    const error = await failure(runner.run('sh', ['-c', script], { timeoutMs: 300, killAfterMs: 300, processGroup: true }));
    expect(error.timedOut).toBe(true);
    expect(reported(dir).filter(isProcessAlive)).toEqual([]);
  });

  it('an abort stops the whole group', async () => {
    const dir = pidDir();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await failure(
      runner.run('sh', ['-c', background(dir, 'sleep 999')], { signal: controller.signal, killAfterMs: 500, processGroup: true }),
    );
    expect(error.aborted).toBe(true);
    expect(reported(dir).filter(isProcessAlive)).toEqual([]);
  });

  it('a leader exiting 0 succeeds, and what it left running is stopped', async () => {
    const dir = pidDir();
    const result = await runner.run('sh', ['-c', background(dir, 'echo done')], { timeoutMs: 60_000, processGroup: true });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'done\n' });
    expect(reported(dir).filter(isProcessAlive)).toEqual([]);
  });

  it('start() refuses processGroup (only run() watches the group)', () => {
    expect(() => runner.start('true', [], { processGroup: true })).toThrow(/processGroup/);
  });
});
