import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNetns, makeTempDir, netnsPrefix, removeNetnses, removeTempDirs } from '@homelab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labctlBin, ping, repoRoot } from './lab-netns.js';

// `--netns-from podman` for real: three podman containers (a static busybox imported as an image,
// --network none) are found by `podman container inspect`, their namespaces attached and wired.
// labctl runs inside a namespace of ours that stands in for the host, so the machine's own
// namespace is never touched. Containers, image, attached names and namespaces are removed at the end.

const exec = promisify(execFile);
const tag = netnsPrefix('p');
const image = `localhost/labctl-test-busybox:${tag}`;
const containers = ['rproxy-edge', 'vpn-edge', 'lbmt-darkroom'];
const podmanName = (c: string) => `${tag}-${c}`;
const attached = (c: string) => `${tag}-${c}`;
let hostNs: string;
let labFile: string;

// nsenter joins only the network namespace: `ip netns exec` would also give labctl a private mount
// namespace, where its `ip netns attach` bind mounts would stay invisible to everyone else.
const labctlInHost = async (args: string[]) => {
  const all = [...args, labFile, '--netns-from', 'podman', '--netns-prefix', `${tag}-`, '--container-prefix', `${tag}-`];
  try {
    const { stdout, stderr } = await exec('nsenter', [`--net=/run/netns/${hostNs}`, '--', process.execPath, labctlBin, ...all], {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
};

beforeAll(async () => {
  const dir = await makeTempDir('labctl-podman-');
  // The README's minimal lab: three containers, three links.
  const readme = await readFile(join(repoRoot, 'apps/labctl/README.md'), 'utf8');
  labFile = join(dir, 'lab.yaml');
  await writeFile(labFile, /A minimal lab \(parsed by a test\):\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '');
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await cp('/bin/busybox', join(rootfs, 'bin/busybox'));
  await exec('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
  await exec('podman', ['import', join(dir, 'rootfs.tar'), image], { timeout: 60_000 });
  for (const c of containers) {
    await exec(
      'podman',
      [
        'run',
        '-d',
        '--name',
        podmanName(c),
        '--network',
        'none',
        '--ulimit',
        'nofile=4096:4096',
        '--ulimit',
        'nproc=4096:4096',
        image,
        '/bin/busybox',
        'sleep',
        '600',
      ],
      { timeout: 60_000 },
    );
  }
  hostNs = createNetns(`${tag}-host`);
}, 120_000);

afterAll(async () => {
  await exec('podman', ['rm', '-f', '-t', '0', ...containers.map(podmanName)], { timeout: 60_000 }).catch(() => undefined);
  await exec('podman', ['rmi', '-f', image], { timeout: 60_000 }).catch(() => undefined);
  for (const c of containers) await exec('ip', ['netns', 'delete', attached(c)]).catch(() => undefined);
  removeNetnses();
  await removeTempDirs();
}, 120_000);

describe('labctl wire --netns-from podman', () => {
  it('wires the containers found by podman inspect, idempotently, and detaches them on down', async () => {
    const up = await labctlInHost(['wire', 'up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('create veth pair p-lbmt-darkroom: rproxy-edge/p-lbmt-darkroom <-> lbmt-darkroom/p-lbmt-darkroom');

    // The link really is inside the container: podman exec sees it.
    const inside = await exec('podman', ['exec', podmanName('lbmt-darkroom'), '/bin/busybox', 'ip', 'addr', 'show', 'p-lbmt-darkroom']);
    expect(inside.stdout).toContain('inet 172.16.1.1/31');
    expect(await ping(attached('lbmt-darkroom'), '172.16.1.0')).toBe(true);
    expect(await ping(hostNs, '192.168.100.1')).toBe(true);

    const again = await labctlInHost(['wire', 'up']);
    expect(again.stdout).toMatch(/^wire up: nothing to change: 3 links/);

    const down = await labctlInHost(['wire', 'down']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain(`detached ${attached('rproxy-edge')}`);
    const names = (await exec('ip', ['netns', 'list'])).stdout;
    for (const c of containers) expect(names).not.toContain(attached(c));
    const after = await exec('podman', ['exec', podmanName('lbmt-darkroom'), '/bin/busybox', 'ip', '-o', 'link']);
    expect(after.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('names a container that is not running', async () => {
    await exec('podman', ['stop', '-t', '0', podmanName('vpn-edge')], { timeout: 60_000 });
    const up = await labctlInHost(['wire', 'up']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('container vpn-edge is not running');
  });
});
