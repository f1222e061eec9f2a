import type { Runner } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../test/lab-file.js';
import type { Podman, PodmanContainer } from './podman.js';
import { LABEL_HASH } from './run-args.js';
import { labDown, labUp } from './up.js';

// A lab without links, so only podman is involved; the runner answers the one `ip netns list` of down.
const lab = loadLab({
  version: '1.0.0',
  hubs: { public: { edge: 'edge-a' }, private: { edge: 'edge-b' } },
  vpn: { client_subnet: '10.200.0.0/24' },
  modules: { m: {} },
  containers: {
    db: { module: 'm', volumes: [{ volume: 'db-data', target: '/data', ro: false }], health: 'sidecar' },
    web: { module: 'm', depends_on: ['db'], volumes: [{ volume: 'db-data', target: '/data' }], health: 'none' },
  },
  links: [],
});

/** Records every call; containers become running on run/start, healthy after `unhealthyChecks` failed checks. */
function fakePodman(unhealthyChecks = 0) {
  const calls: string[] = [];
  const containers = new Map<string, PodmanContainer>();
  const volumes = new Set<string>();
  let failing = unhealthyChecks;
  const podman: Podman = {
    containers: async () => [...containers.values()],
    running: async (names) =>
      new Map([...containers.values()].filter((c) => c.state === 'running' && names.includes(c.name)).map((c) => [c.name, c.pid])),
    volumes: async () => [...volumes],
    createVolume: async (n) => {
      calls.push(`volume create ${n}`);
      volumes.add(n);
    },
    removeVolume: async (n) => {
      calls.push(`volume rm ${n}`);
      volumes.delete(n);
    },
    run: async (args) => {
      const name = args[args.indexOf('--name') + 1] as string;
      const hash = (args.find((a) => a.startsWith(`${LABEL_HASH}=`)) ?? '').split('=')[1] as string;
      calls.push(`run ${name}`);
      containers.set(name, { name, state: 'running', labels: { [LABEL_HASH]: hash }, pid: 1 });
    },
    start: async (n) => {
      calls.push(`start ${n}`);
      const c = containers.get(n);
      if (c) c.state = 'running';
    },
    remove: async (n) => {
      calls.push(`rm ${n}`);
      containers.delete(n);
    },
    healthcheck: async (n) => {
      calls.push(`healthcheck ${n}`);
      return failing-- <= 0;
    },
    inspect: async () => undefined,
    exec: async () => ({ code: 0, stdout: '' }),
  };
  return { podman, calls, containers, volumes };
}

const runner: Runner = {
  run: async (command, args) => {
    if (command === 'ip' && args.join(' ') === '-j netns list') return { stdout: '[]', stderr: '', exitCode: 0, durationMs: 0 };
    throw new Error(`unexpected ${command} ${args.join(' ')}`);
  },
};

function deps(podman: Podman, lines: string[]) {
  return {
    runner,
    podman,
    netns: { source: 'podman' as const, prefix: 'lab-' },
    run: { containerPrefix: '', configDir: '/x' },
    readyTimeoutMs: 5_000,
    report: (l: string) => lines.push(l),
    sleep: async () => {},
  };
}

describe('labUp / labDown with a recording podman', () => {
  it('creates the volume, runs db, waits for its check, then web; a second up changes nothing', async () => {
    const fake = fakePodman(2);
    const lines: string[] = [];
    const first = await labUp(lab, [], deps(fake.podman, lines));
    expect(fake.calls).toEqual(['volume create db-data', 'run db', 'healthcheck db', 'healthcheck db', 'healthcheck db', 'run web']);
    expect(lines).toEqual([
      'volume db-data created',
      'container db created',
      'container db healthy',
      'container web created',
      'container web healthy',
    ]);
    expect(first.changes).toBe(3);

    fake.calls.length = 0;
    const second = await labUp(lab, [], deps(fake.podman, []));
    expect(second.changes).toBe(0);
    expect(fake.calls).toEqual([]);
  });

  it('starts a stopped container and fails naming one that exits before it is healthy', async () => {
    const fake = fakePodman();
    await labUp(lab, [], deps(fake.podman, []));
    (fake.containers.get('web') as PodmanContainer).state = 'exited';
    fake.calls.length = 0;
    await labUp(lab, [], deps(fake.podman, []));
    expect(fake.calls).toEqual(['start web']);

    const dying = fakePodman();
    dying.podman.run = async (args) => {
      const name = args[args.indexOf('--name') + 1] as string;
      dying.containers.set(name, { name, state: 'exited', labels: {}, pid: 0 });
    };
    await expect(labUp(lab, ['db'], deps(dying.podman, []))).rejects.toThrow(
      'container db exited before it was healthy (see podman logs db)',
    );
  });

  it('down removes web before db and keeps the volume; --volumes removes it; a second down does nothing', async () => {
    const fake = fakePodman();
    await labUp(lab, [], deps(fake.podman, []));
    fake.calls.length = 0;
    const down = await labDown(lab, false, deps(fake.podman, []));
    expect(fake.calls).toEqual(['rm web', 'rm db']);
    expect(down.changes).toBe(2);
    expect([...fake.volumes]).toEqual(['db-data']);
    fake.calls.length = 0;
    expect((await labDown(lab, true, deps(fake.podman, []))).changes).toBe(1);
    expect(fake.calls).toEqual(['volume rm db-data']);
    expect((await labDown(lab, true, deps(fake.podman, []))).changes).toBe(0);
  });
});
