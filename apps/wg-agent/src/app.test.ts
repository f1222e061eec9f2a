import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLifecycle, createLogger, createMetricsRegistry, ManualClock, type ProcessRunner, type RunResult } from '@homelab/core';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from './app.js';
import { envSchema } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'wg-agent-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readiness', () => {
  it('fails while the interface is missing, passes once it is there', async () => {
    writeFileSync(join(dir, 'server.yaml'), 'interface: wg9\naddress: 10.200.0.1/24\nendpoint: vpn.example.org:51820\n');
    writeFileSync(join(dir, 'peers.yaml'), 'peers: []\n');
    let linkThere = false;
    const calls: string[] = [];
    const runner = {
      async run(command: string, args: readonly string[]): Promise<RunResult> {
        calls.push(`${command} ${args.join(' ')}`);
        return { stdout: '', stderr: '', exitCode: 0, durationMs: 1 };
      },
      start: () => {
        throw new Error('not started in this test');
      },
    } as unknown as ProcessRunner;
    const log = createLogger({ name: 'test', level: 'silent' });
    const config = envSchema.parse({
      WG_CONFIG: join(dir, 'server.yaml'),
      WG_PEERS: join(dir, 'peers.yaml'),
      WG_STATE_DIR: join(dir, 'state'),
    });
    const lifecycle = createLifecycle({ log, signals: [] });
    let netDevReads = 0;
    // /proc/net/dev's two header lines, then lo, and wg9 once it is there.
    const netDev = async () => {
      netDevReads++;
      return `Inter-|   Receive\n face |bytes\n    lo: 0 0\n${linkThere ? '   wg9: 0 0\n' : ''}`;
    };
    const service = build(
      {
        config,
        signal: lifecycle.signal,
        log,
        runner,
        clock: new ManualClock(0),
        args: [],
        rest: [],
        flags: {},
        env: {},
        io: { stdout: () => {}, stderr: () => {}, onSignal: () => {}, stdin: process.stdin, stdoutStream: process.stdout },
        registry: createMetricsRegistry('wg-agent-test'),
        lifecycle,
      },
      { netDev },
    );
    expect(await service.checks?.interface?.()).toEqual({ ok: false, detail: 'wg9' });
    linkThere = true;
    expect(await service.checks?.interface?.()).toEqual({ ok: true, detail: 'wg9' });
    // Read from /proc/net/dev: the readiness check forks nothing.
    expect({ calls, netDevReads }).toEqual({ calls: [], netDevReads: 2 });
  });
});
