import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startProcess, stopAllProcesses } from '../src/process.js';
import { makeTempDir, removeTempDirs } from '../src/temp-dir.js';
import { waitFor } from '../src/wait.js';

describe('testkit processes and temp dirs', () => {
  it('collects output lines and exit info', async () => {
    const proc = startProcess('sh', ['-c', 'echo one; echo two >&2; echo \'{"msg":"json"}\'; exit 4']);
    const exit = await proc.waitExit();
    expect(exit.code).toBe(4);
    expect(proc.stdout).toEqual(['one', '{"msg":"json"}']);
    expect(proc.stderr).toEqual(['two']);
    expect(proc.logs()).toEqual([{ msg: 'json' }]);
  });

  it('stop escalates to SIGKILL for a process that ignores SIGTERM', async () => {
    const proc = startProcess('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done']);
    await proc.waitForLine(/ready/);
    const exit = await proc.stop(300);
    expect(exit.signal).toBe('SIGKILL');
  });

  it('stopAllProcesses stops everything still running, by PID', async () => {
    const a = startProcess('sleep', ['30']);
    const b = startProcess('sleep', ['30']);
    await stopAllProcesses();
    expect(a.exitInfo?.signal).toBe('SIGTERM');
    expect(b.exitInfo?.signal).toBe('SIGTERM');
  });

  it('temp dirs are removed by removeTempDirs', async () => {
    const dir = await makeTempDir();
    expect(existsSync(dir)).toBe(true);
    await removeTempDirs();
    expect(existsSync(dir)).toBe(false);
  });

  it('waitFor names what it waited for on timeout', async () => {
    await expect(waitFor(() => false, { timeoutMs: 100, what: 'the moon' })).rejects.toThrow(/waiting for the moon/);
  });
});
