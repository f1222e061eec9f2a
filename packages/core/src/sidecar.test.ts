import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { runCli } from './cli.js';
import { ManualClock } from './clock.js';
import { commonEnvShape } from './service.js';
import { defineSidecar, type SidecarHost } from './sidecar.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function host(): SidecarHost & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      onSignal: () => {},
      stdin: process.stdin,
      stdoutStream: process.stdout,
    },
    clock: new ManualClock(1000),
    stopSignals: [],
  };
}

const schema = z.object({ ...commonEnvShape, DEMO_COUNT: z.coerce.number().int().min(1), DEMO_TOKEN: z.string().optional() });

function getJson(socketPath: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('defineSidecar', () => {
  it('loads config once and hands commands their deps; bad config is exit 2 naming the key', async () => {
    const h = host();
    const seen: unknown[] = [];
    const cli = defineSidecar(
      {
        name: 'demo',
        summary: 'a demo',
        env: { schema, prefixes: ['DEMO_'], secrets: ['DEMO_TOKEN'], docs: [{ name: 'DEMO_COUNT', description: 'how many' }] },
        commands: {
          show: {
            summary: 'print the count',
            run: ({ config, args, clock, io }) => {
              seen.push(config.DEMO_COUNT, args, clock.now());
              io.stdout(`count ${config.DEMO_COUNT}\n`);
              return 3;
            },
          },
        },
      },
      h,
    );
    const stderr: string[] = [];
    const io = { stdout: () => {}, stderr: (t: string) => stderr.push(t) };
    expect(await runCli(cli, ['show', 'x'], { DEMO_COUNT: '4', LOG_LEVEL: 'silent' }, io)).toBe(3);
    expect(seen).toEqual([4, ['x'], 1000]);
    expect(h.out).toEqual(['count 4\n']);
    expect(await runCli(cli, ['show'], { DEMO_COUNT: '0', LOG_LEVEL: 'silent' }, io)).toBe(2);
    expect(stderr.join('')).toMatch(/DEMO_COUNT/);
    expect(await runCli(cli, ['show'], { DEMO_COUNT: '1', DEMO_CUONT: '2', LOG_LEVEL: 'silent' }, io)).toBe(2);
    expect(stderr.join('')).toMatch(/DEMO_CUONT: unknown setting/);
  });

  it('runs the service with health, readiness and stop hooks, and returns its exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-'));
    dirs.push(dir);
    const socket = join(dir, 'health.sock');
    const events: string[] = [];
    let readyz: { status: number; body: unknown } | undefined;
    const cli = defineSidecar(
      {
        name: 'demo',
        summary: 'a demo',
        env: { schema, prefixes: ['DEMO_'], docs: [] },
        service: {
          summary: 'serve',
          build: ({ lifecycle, registry, config }) => ({
            checks: { count: () => ({ ok: config.DEMO_COUNT > 1, detail: config.DEMO_COUNT }) },
            status: () => ({ count: config.DEMO_COUNT }),
            exitCode: () => 5,
            start: async () => {
              events.push(`metrics:${(await registry.getMetricsAsJSON()).length > 0}`);
              lifecycle.onStop('demo', () => {
                events.push('stopped');
              });
              setImmediate(async () => {
                readyz = await getJson(socket, '/readyz');
                void lifecycle.stop('test done');
              });
            },
          }),
        },
      },
      host(),
    );
    const code = await runCli(cli, [], { DEMO_COUNT: '1', LOG_LEVEL: 'silent', HEALTH_LISTEN: socket });
    expect(code).toBe(5);
    expect(events).toEqual(['metrics:true', 'stopped']);
    expect(readyz).toEqual({ status: 503, body: { ready: false, checks: { count: { ok: false, detail: 1 } } } });
  });

  it('refuses arguments the service does not take, with exit 2', async () => {
    const cli = defineSidecar(
      {
        name: 'demo',
        summary: 'a demo',
        env: { schema, prefixes: [], docs: [] },
        service: { summary: 's', build: () => ({ start() {} }) },
      },
      host(),
    );
    const stderr: string[] = [];
    expect(await runCli(cli, ['run', 'extra'], { DEMO_COUNT: '2' }, { stdout: () => {}, stderr: (t) => stderr.push(t) })).toBe(2);
    expect(stderr.join('')).toMatch(/unexpected argument "extra"/);
  });
});
