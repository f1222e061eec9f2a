import { makeTempDir, netnsPrefix, removeNetnses, removeTempDirs } from '@homelab/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestLab, labctl, linkedEnds, nsRun, type TestLab } from './lab-netns.js';

afterAll(async () => {
  removeNetnses();
  await removeTempDirs();
});

/** Everything of ours that could be left in a namespace: interfaces, addresses, routes, tables, forwarding. */
async function leftovers(lab: TestLab, end: string): Promise<string[]> {
  const netns = lab.ns(end);
  const found: string[] = [];
  const links = JSON.parse((await nsRun(netns, 'ip', ['-j', 'addr', 'show'])).stdout) as {
    ifname: string;
    addr_info: { local: string }[];
  }[];
  for (const l of links) {
    if (l.ifname === 'lo' || (end === 'host' && l.ifname === 'eth0')) continue;
    found.push(`${end}: interface ${l.ifname} ${l.addr_info.map((a) => a.local).join(',')}`);
  }
  const routes = JSON.parse((await nsRun(netns, 'ip', ['-j', 'route', 'show'])).stdout) as { dst: string }[];
  for (const r of routes) if (!r.dst.startsWith('198.51.100.')) found.push(`${end}: route ${r.dst}`);
  const tables = (await nsRun(netns, 'nft', ['list', 'tables'])).stdout.trim();
  if (tables) found.push(`${end}: nft ${tables}`);
  const fwd = (await nsRun(netns, 'sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout.trim();
  if (fwd !== '0') found.push(`${end}: ip_forward ${fwd}`);
  return found;
}

describe('labctl wire up twice, then down', () => {
  it('leaves no interface, address, route or rule of ours in any namespace, and a second down has nothing to do', async () => {
    const dir = await makeTempDir('labctl-down-');
    const lab = await createTestLab(dir, netnsPrefix('d'));
    const args = [lab.labFile, '--netns-from', 'named', '--netns-prefix', lab.prefix];
    const up1 = await labctl(['wire', 'up', ...args]);
    expect(up1.code, up1.stderr).toBe(0);
    const up2 = await labctl(['wire', 'up', ...args]);
    expect(up2.stdout).toMatch(/nothing to change/);
    const ends = linkedEnds(lab.raw as never);
    expect((await leftovers(lab, 'rproxy-edge')).length).toBeGreaterThan(0);

    const down = await labctl(['wire', 'down', ...args]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/wire down: \d+ changes/);
    const left = (await Promise.all(ends.map((end) => leftovers(lab, end)))).flat();
    expect(left).toEqual([]);

    const again = await labctl(['wire', 'down', ...args]);
    expect(again.stdout).toMatch(/^wire down: nothing to remove/);
  });

  it('refuses to wire when a namespace is missing, naming it', async () => {
    const prefix = `${netnsPrefix('m')}-`;
    const r = await labctl(['wire', 'up', '--netns-from', 'named', '--netns-prefix', prefix]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`network namespaces missing: ${prefix}host, ${prefix}git-ssh`);
  });
});
