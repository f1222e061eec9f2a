import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseLab } from '../../apps/labctl/src/load.js';
import { renderCaddyfile } from '../../apps/labctl/src/render/caddy.js';
import type { Containerfile } from './containerfiles.js';
import { expectHealthyAs, processUsers, removeContainer, startContainer } from './image-runner.js';
import type { PodmanSandbox } from './podman-sandbox.js';
import { repoRoot } from './podman-sandbox.js';

type Scenario = (tag: string, f: Containerfile) => Promise<void>;

/** Capability bits (linux/capability.h). */
const NET_BIND_SERVICE = 1n << 10n;
const NET_ADMIN = 1n << 12n;
/** A WireGuard key (32 bytes in base64): none may show in logs or listings. */
const KEY_PATTERN = /[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=/;

/** Effective and bounding capabilities of every process in the container. */
async function capabilities(sandbox: PodmanSandbox, name: string): Promise<{ eff: bigint; bnd: bigint }[]> {
  const out = await sandbox.podman([
    'exec',
    name,
    'sh',
    '-c',
    'for p in /proc/[0-9]*; do grep -h -E "^Cap(Eff|Bnd)" $p/status 2>/dev/null; done',
  ]);
  const lines = out.stdout.trim().split('\n');
  const result: { eff: bigint; bnd: bigint }[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const eff = BigInt(`0x${/CapEff:\s+(\w+)/.exec(lines[i] ?? '')?.[1] ?? 'ff'}`);
    const bnd = BigInt(`0x${/CapBnd:\s+(\w+)/.exec(lines[i + 1] ?? '')?.[1] ?? 'ff'}`);
    result.push({ eff, bnd });
  }
  return result;
}

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The smoke scenarios of michel's two edges (rproxy-edge, vpn-edge). */
export function edgeScenarios(ctx: () => { sandbox: PodmanSandbox; work: string }): Record<string, Scenario> {
  return {
    async 'rproxy-edge'(tag) {
      const { sandbox, work } = ctx();
      // labctl's Caddyfile for the owner's lab, with plain-HTTP sites (no ACME without a network).
      const parsed = parseLab(readFileSync(join(repoRoot, 'lab/lab.yaml'), 'utf8'));
      if (!parsed.ok) throw new Error(`lab.yaml: ${JSON.stringify(parsed.issues)}`);
      const caddyfile = join(work, 'Caddyfile');
      writeFileSync(caddyfile, renderCaddyfile({ ...parsed.lab, proxy: { ...parsed.lab.proxy, tls: 'off' } }), { mode: 0o644 });
      // As compose/michel.yaml runs it: NET_BIND_SERVICE the only capability, /tmp a tmpfs.
      await startContainer(sandbox, tag, {
        name: 'smoke-rproxy-edge',
        volumes: ['smoke-caddy-data:/data', 'smoke-caddy-logs:/var/log/caddy', `${caddyfile}:/etc/caddy/Caddyfile:ro`],
        extra: ['--cap-add', 'NET_BIND_SERVICE', '--tmpfs', '/tmp'],
      });
      await expectHealthyAs(sandbox, 'smoke-rproxy-edge', 'homelab');
      for (const cap of await capabilities(sandbox, 'smoke-rproxy-edge')) {
        expect(cap.eff, 'effective: NET_BIND_SERVICE only').toBe(NET_BIND_SERVICE);
        expect(cap.bnd, 'bounding: NET_BIND_SERVICE only').toBe(NET_BIND_SERVICE);
      }
      // Caddy (non-root) holds port 80: a site's request is proxied (its upstream is not there: 502)
      // with the security headers, and logged as JSON into the caddy-logs volume.
      // (node, not busybox wget: wget prints no headers of an error response)
      const script =
        "require('http').get({host:'127.0.0.1',port:80,headers:{host:'darkroom.example.org'}},r=>{console.log(JSON.stringify({s:r.statusCode,h:r.headers}));r.resume()})";
      const get = await sandbox.podman(['exec', 'smoke-rproxy-edge', 'node', '-e', script]);
      const response = JSON.parse(get.stdout) as { s: number; h: Record<string, string> };
      expect(response.s).toBe(502);
      expect(response.h['x-frame-options']).toBe('DENY');
      expect(response.h.server).toBeUndefined();
      const log = await sandbox.podman(['exec', 'smoke-rproxy-edge', 'cat', '/var/log/caddy/access.log']);
      const entries = log.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(entries.some((e) => e.status === 502 && e.request?.host === 'darkroom.example.org')).toBe(true);
      const users = await processUsers(sandbox, 'smoke-rproxy-edge');
      expect(users.some((p) => /caddy run/.test(p.args))).toBe(true);
      await removeContainer(sandbox, 'smoke-rproxy-edge');
    },

    async 'vpn-edge'(tag) {
      const { sandbox, work } = ctx();
      const server = join(work, 'wg-agent.yaml');
      writeFileSync(
        server,
        'interface: wg0\nlisten_port: 51820\naddress: 10.200.0.1/24\nendpoint: vpn.example.org:51820\ndestinations: { git-ssh: 10.1.1.1, zfs-web: 10.1.3.1 }\n',
        { mode: 0o644 },
      );
      const peers = join(work, 'peers');
      mkdirSync(peers);
      writeFileSync(join(peers, 'peers.yaml'), 'peers:\n  - { name: alice, address: 10.200.0.2, allow: [git-ssh], preshared_key: true }\n');
      await startContainer(sandbox, tag, {
        name: 'smoke-vpn-edge',
        env: { WG_INTERVAL: '2s' },
        volumes: ['smoke-vpn-config:/var/lib/wg-agent', `${server}:/etc/wg-agent/wg-agent.yaml:ro`, `${peers}:/etc/wg-agent/peers`],
        extra: ['--cap-add', 'NET_ADMIN', '--device', '/dev/net/tun', '--tmpfs', '/run', '--tmpfs', '/tmp'],
      });
      // /readyz: the interface exists (wireguard-go here), the declaration is applied.
      // Root for /dev/net/tun (see the Containerfile), with NET_ADMIN and nothing else.
      await expectHealthyAs(sandbox, 'smoke-vpn-edge', 'root');
      for (const cap of await capabilities(sandbox, 'smoke-vpn-edge')) {
        expect(cap.eff, 'effective: NET_ADMIN only').toBe(NET_ADMIN);
        expect(cap.bnd, 'bounding: NET_ADMIN only').toBe(NET_ADMIN);
      }
      const exec = (...args: string[]) => sandbox.podman(['exec', 'smoke-vpn-edge', ...args], { check: false });
      expect((await exec('wg', 'show', 'wg0', 'allowed-ips')).stdout).toContain('10.200.0.2/32');
      expect((await exec('nft', 'list', 'table', 'inet', 'wg_agent')).stdout).toContain('10.200.0.2 . 10.1.1.1');
      // The owner's commands in the running container: add applies live, list shows no key.
      const add = await exec('wg-agent', 'peer', 'add', 'bob', '--allow', 'git-ssh,zfs-web');
      expect(add.code, add.stderr).toBe(0);
      await waitFor(async () => (await exec('wg', 'show', 'wg0', 'allowed-ips')).stdout.includes('10.200.0.3/32'), 'bob on wg0');
      const list = await exec('wg-agent', 'peer', 'list');
      expect(list.stdout).toMatch(/^bob\s+10\.200\.0\.3\s+git-ssh,zfs-web\s+no\s+-\s+applied/m);
      expect(list.stdout).not.toMatch(KEY_PATTERN);
      const show = await exec('wg-agent', 'peer', 'show', 'alice', '--no-qr');
      expect(show.stdout).toMatch(/^PresharedKey = /m);
      const modes = await exec(
        'stat',
        '-c',
        '%a %n',
        '/var/lib/wg-agent',
        '/var/lib/wg-agent/server.key',
        '/var/lib/wg-agent/peers/alice.psk',
      );
      expect(modes.stdout.trim().split('\n')).toEqual([
        '700 /var/lib/wg-agent',
        '600 /var/lib/wg-agent/server.key',
        '600 /var/lib/wg-agent/peers/alice.psk',
      ]);
      const logs = await sandbox.podman(['logs', 'smoke-vpn-edge']);
      expect(`${logs.stdout}${logs.stderr}`).toMatch(/peers applied/);
      expect(`${logs.stdout}${logs.stderr}`).not.toMatch(KEY_PATTERN);
      await removeContainer(sandbox, 'smoke-vpn-edge');
    },
  };
}
