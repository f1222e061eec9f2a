import { readFileSync } from 'node:fs';
import { defineSidecar, ManualClock, renderHelp, runCli } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { zfsAgent } from './cli.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('cli', () => {
  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), onSignal: () => {} };
  const cli = defineSidecar(zfsAgent, {
    io: { ...io, stdin: process.stdin, stdoutStream: process.stdout },
    clock: new ManualClock(0),
    stopSignals: [],
  });

  it('--help matches the README', () => {
    const block = /## Commands\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(renderHelp(cli));
  });

  it('without a config: exit 2 with what to pass', async () => {
    const err: string[] = [];
    const code = await runCli(cli, ['once'], {}, { stdout: () => {}, stderr: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toContain('no config: pass --config FILE or set ZFS_AGENT_CONFIG');
  });

  it('a bad --now: exit 2', async () => {
    const err: string[] = [];
    const code = await runCli(
      cli,
      ['plan', '--config', '/nonexistent.yaml', '--now', 'tomorrow'],
      {},
      { stdout: () => {}, stderr: (t) => err.push(t) },
    );
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--config: cannot read \/nonexistent.yaml|--now/);
  });
});
