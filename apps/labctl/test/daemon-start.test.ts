import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createNetns, httpRequest, makeTempDir, netnsPrefix, startProcess, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { labctlBin, nsRun, repoRoot } from './lab-netns.js';

// `labctl run` reads lab.yaml after its health server listens: /healthz answers from the start,
// /readyz only once the first pass has wired what runs. The committed lab with a container prefix that
// matches no podman container: the first pass (a real `podman container inspect`, then the host's end
// in a namespace of ours: its nftables table) wires the host only.

useCleanup('all');

const tag = netnsPrefix('d');

function startDaemon(labFile: string, socket: string, prefix: string) {
  return startProcess(
    process.execPath,
    [
      labctlBin,
      'run',
      labFile,
      '--netns-from',
      'named',
      '--netns-prefix',
      prefix,
      '--container-prefix',
      `${prefix}none-`,
      '--config-dir',
      dirname(labFile),
    ],
    { env: { HEALTH_LISTEN: socket, LOG_LEVEL: 'warn' }, label: 'labctl run' },
  );
}

describe('labctl run start', () => {
  it('is not ready before the first pass is done: at the first ready /readyz the pass is recorded and its nftables table exists', async () => {
    const dir = await makeTempDir('labctl-daemon-');
    const hostNs = createNetns(`${tag}-host`);
    const labFile = join(dir, 'lab.yaml');
    await writeFile(labFile, readFileSync(join(repoRoot, 'lab/lab.yaml')));
    const socket = join(dir, 'health.sock');
    const daemon = startDaemon(labFile, socket, `${tag}-`);
    const notReady: string[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await httpRequest(socket, '/readyz', { timeoutMs: 5_000 }).catch(() => undefined);
      if (res?.status === 200) break;
      if (res) {
        expect(res.status, res.body).toBe(503);
        notReady.push(res.body);
      }
      expect(daemon.exitInfo, daemon.output).toBeUndefined();
      expect(Date.now() < deadline, `labctl run not ready within 60 s\n${daemon.output}`).toBe(true);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Ready means the first pass is over: /healthz has it, and what it did is in place.
    const health = JSON.parse((await httpRequest(socket, '/healthz')).body) as { lastRewire: { reasons: string[] } | null };
    expect(health.lastRewire?.reasons).toEqual(['labctl run started']);
    const table = await nsRun(hostNs, 'nft', ['list', 'table', 'inet', 'labctl']);
    expect(table.code, table.stderr).toBe(0);
    // Every answer before it said why: the lab still being read, or the first pass running.
    for (const body of notReady)
      expect((JSON.parse(body) as { checks: { wired: { detail: string } } }).checks.wired.detail).toMatch(
        /^(reading the lab file|first pass running)$/,
      );
    process.stdout.write(`\nlabctl run: ${notReady.length} /readyz answers 503 before ready\n`);
    expect(await daemon.stop(10_000)).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('still refuses a malformed lab.yaml with exit 2, naming the key, and wires nothing', async () => {
    const dir = await makeTempDir('labctl-daemon-');
    const hostNs = createNetns(`${tag}b-host`);
    const raw = parse(readFileSync(join(repoRoot, 'lab/lab.yaml'), 'utf8')) as { containers: Record<string, Record<string, unknown>> };
    Object.assign(raw.containers['mc-map'] ?? {}, { colour: 'blue' });
    const labFile = join(dir, 'lab.yaml');
    await writeFile(labFile, stringify(raw));
    const daemon = startDaemon(labFile, join(dir, 'health.sock'), `${tag}b-`);
    const exit = await daemon.waitExit(60_000);
    expect(exit.code, daemon.output).toBe(2);
    expect(daemon.stderr.join('\n')).toContain('containers.mc-map.colour: unknown key');
    expect((await nsRun(hostNs, 'nft', ['list', 'tables'])).stdout.trim()).toBe('');
  }, 120_000);
});
