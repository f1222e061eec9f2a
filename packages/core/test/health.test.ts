import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest, makeTempDir, startProcess, useCleanup } from '@homelab/testkit-base';
import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildHealthApp, createMetricsRegistry, parseListen, startHealthServer } from '../src/health.js';

useCleanup('all');

describe('health server', () => {
  it('answers /readyz with named checks (inject)', async () => {
    let upstream = false;
    const app = buildHealthApp({ checks: { upstream: () => upstream, disk: () => ({ ok: true, detail: '12% used' }) } });
    const down = await app.inject({ url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ ready: false, checks: { upstream: { ok: false }, disk: { ok: true, detail: '12% used' } } });
    upstream = true;
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('treats a throwing check as not ready, with its message', async () => {
    const app = buildHealthApp({
      checks: {
        broken: () => {
          throw new Error('socket gone');
        },
      },
    });
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.broken).toEqual({ ok: false, detail: 'socket gone' });
  });

  it('serves over real TCP: healthz, readyz and Prometheus metrics', async () => {
    const registry = createMetricsRegistry('demo');
    new Counter({ name: 'demo_things_total', help: 'things', registers: [registry] }).inc(3);
    const server = await startHealthServer('127.0.0.1:0', { registry, checks: { ok: () => true } });
    try {
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((await httpRequest(server.address, '/healthz')).status).toBe(200);
      expect(JSON.parse((await httpRequest(server.address, '/readyz')).body)).toEqual({ ready: true, checks: { ok: { ok: true } } });
      const metrics = await httpRequest(server.address, '/metrics');
      expect(metrics.headers['content-type']).toMatch(/text\/plain/);
      expect(metrics.body).toContain('demo_things_total{app="demo"} 3');
      expect(metrics.body).toContain('process_resident_memory_bytes');
    } finally {
      await server.close();
    }
  });

  it('serves a lean set of process metrics: CPU, start time, memory, fds; no event-loop sampler or GC observer', async () => {
    const body = await createMetricsRegistry('demo').metrics();
    const names = [...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(names).toEqual([
      'process_cpu_user_seconds_total counter',
      'process_cpu_system_seconds_total counter',
      'process_cpu_seconds_total counter',
      'process_start_time_seconds gauge',
      'process_resident_memory_bytes gauge',
      'nodejs_heap_size_total_bytes gauge',
      'nodejs_heap_size_used_bytes gauge',
      'nodejs_external_memory_bytes gauge',
      'process_open_fds gauge',
    ]);
    const value = (name: string) => Number(new RegExp(`^${name}\\{app="demo"\\} (\\S+)$`, 'm').exec(body)?.[1]);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024);
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value('process_open_fds')).toBeGreaterThan(2);
    expect(Math.abs(value('process_start_time_seconds') - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
  });

  it('serves over a real unix socket', async () => {
    const path = join(await makeTempDir(), 'health.sock');
    const server = await startHealthServer(path, { checks: { up: () => false } });
    try {
      expect(server.address).toBe(path);
      expect((await httpRequest(path, '/healthz')).status).toBe(200);
      expect((await httpRequest(path, '/readyz')).status).toBe(503);
    } finally {
      await server.close();
    }
  });

  it('replaces a stale socket file left by a killed process, but never a regular file', async () => {
    const dir = await makeTempDir();
    const path = join(dir, 'health.sock');
    const crashed = startProcess(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
    ]);
    await crashed.waitForLine(/up/);
    crashed.signal('SIGKILL');
    await crashed.exited;
    expect(existsSync(path)).toBe(true);
    const server = await startHealthServer(path, {});
    try {
      expect((await httpRequest(path, '/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
    const regular = join(dir, 'not-a-socket');
    writeFileSync(regular, 'data');
    await expect(startHealthServer(regular, {})).rejects.toThrow(/not a socket/);
  });

  it('parses listen addresses', () => {
    expect(parseListen('127.0.0.1:9000')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(parseListen('[::1]:9000')).toEqual({ kind: 'tcp', host: '::1', port: 9000 });
    expect(parseListen('/run/health.sock')).toEqual({ kind: 'unix', path: '/run/health.sock' });
    expect(() => parseListen('nonsense')).toThrow(/host:port/);
  });
});
