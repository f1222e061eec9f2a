import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBundle, makeTempDirSync, removeTempDirs, repoRoot } from '@homelab/testkit';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

/** The bundle as the owner runs it; no namespace needed: nothing here touches an interface. */
afterAll(removeTempDirs);

let dir: string;
let env: Record<string, string>;
const ifname = `wt${process.pid.toString(36)}`;

function cli(args: string[], extra: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('node', [appBundle('wg-agent'), ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn', ...extra },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

const PEERS = '# the owner keeps notes here\npeers:\n  - name: alice # her phone\n    address: 10.200.0.2\n    allow: [git-ssh]\n';

beforeEach(() => {
  dir = makeTempDirSync('wg-agent-cli-');
  writeFileSync(
    join(dir, 'wg-agent.yaml'),
    `interface: ${ifname}\naddress: 10.200.0.1/24\nendpoint: vpn.example.org:51820\ndns: [10.200.0.1]\ndestinations: { git-ssh: 10.1.1.1, zfs-web: 10.1.3.1 }\n`,
  );
  writeFileSync(join(dir, 'peers.yaml'), PEERS);
  env = {
    WG_CONFIG: join(dir, 'wg-agent.yaml'),
    WG_PEERS: join(dir, 'peers.yaml'),
    WG_STATE_DIR: join(dir, 'state'),
    HEALTH_LISTEN: join(dir, 'h.sock'),
  };
});

describe('wg-agent CLI', () => {
  it('--help is what the README documents', () => {
    const help = cli(['--help']).stdout.trim();
    const readme = readFileSync(join(repoRoot, 'apps/wg-agent/README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`\n${help}\n\`\`\``);
  });

  it.each([
    ['a hostile peer name', 'peers:\n  - { name: "x\\n[Peer]", address: 10.200.0.2 }\n', /peers\.0\.name: expected a peer name/],
    [
      'an address outside the subnet',
      'peers:\n  - { name: x, address: 10.9.0.2 }\n',
      /peers\.0 \(x\)\.address: 10\.9\.0\.2 is not a host of the client subnet/,
    ],
    ['an unknown destination', 'peers:\n  - { name: x, address: 10.200.0.2, allow: [git-web] }\n', /unknown destination git-web/],
    ['an unknown key', 'peers:\n  - { name: x, address: 10.200.0.2, alow: [git-ssh] }\n', /peers\.0\.alow: unknown key/],
    ['a bad expiry', 'peers:\n  - { name: x, address: 10.200.0.2, expires: soon }\n', /peers\.0\.expires: "soon" is not a date/],
  ])('refuses to start on %s: exit 2, one line naming the key, nothing created', (_what, peers, message) => {
    writeFileSync(join(dir, 'peers.yaml'), peers);
    const r = cli(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('refuses a server config with a hostile endpoint or interface name', () => {
    writeFileSync(join(dir, 'wg-agent.yaml'), 'interface: "wg0\\"; drop"\naddress: 10.200.0.1/24\nendpoint: "x:1\\nPostUp = id"\n');
    const r = cli(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/interface: expected an interface name/);
    expect(r.stderr).toMatch(/endpoint: expected host:port/);
  });

  it('peer add keeps the owner’s comments, makes the keys; a bad add changes nothing', () => {
    const bad = cli(['peer', 'add', 'x";drop', '--allow', 'git-ssh']);
    expect(bad.code).toBe(2);
    expect(cli(['peer', 'add', 'bob', '--address', '10.1.1.1']).code).toBe(2);
    expect(cli(['peer', 'add', 'bob', '--allow', 'git-web']).stderr).toMatch(/unknown destination git-web/);
    expect(readFileSync(join(dir, 'peers.yaml'), 'utf8')).toBe(PEERS);
    const add = cli(['peer', 'add', 'bob', '--allow', 'git-ssh,zfs-web', '--psk', '--expires', '2030-01-31']);
    expect(add.code, add.stderr).toBe(0);
    const text = readFileSync(join(dir, 'peers.yaml'), 'utf8');
    expect(text).toContain('# the owner keeps notes here');
    expect(text).toContain('# her phone');
    expect(text).toMatch(
      /- name: bob\n\s+address: 10\.200\.0\.3\n\s+allow:\n\s+- git-ssh\n\s+- zfs-web\n\s+preshared_key: true\n\s+expires: 2030-01-31/,
    );
    expect(readdirSync(join(dir, 'state/peers')).sort()).toEqual(['bob.key', 'bob.psk']);
    expect(cli(['peer', 'add', 'bob']).stderr).toMatch(/peer bob exists/);
  });

  it('peer list shows no key; peer remove deletes the keys', () => {
    cli(['peer', 'add', 'bob', '--psk']);
    const list = cli(['peer', 'list']);
    expect(list.stdout).toMatch(/^NAME\s+ADDRESS\s+ALLOW\s+PSK\s+EXPIRES\s+STATE/);
    expect(list.stdout).toMatch(/^alice\s+10\.200\.0\.2\s+git-ssh\s+no\s+-\s+unknown/m);
    const keys = readdirSync(join(dir, 'state/peers')).map((f) => readFileSync(join(dir, 'state/peers', f), 'utf8').trim());
    for (const key of keys) expect(list.stdout).not.toContain(key);
    expect(cli(['peer', 'remove', 'bob']).code).toBe(0);
    expect(readdirSync(join(dir, 'state/peers'))).not.toContain('bob.key');
    expect(readFileSync(join(dir, 'peers.yaml'), 'utf8')).not.toContain('bob');
  });

  it('peer show prints the client config and a QR code, and --png writes a 0600 PNG never over a file', () => {
    const show = cli(['peer', 'show', 'alice', '--png', join(dir, 'alice.png')]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^\[Interface\]\nPrivateKey = [A-Za-z0-9+/]{43}=\nAddress = 10\.200\.0\.2\/32\nDNS = 10\.200\.0\.1\n/);
    expect(show.stdout).toContain('AllowedIPs = 10.200.0.1/32, 10.1.1.1/32\nEndpoint = vpn.example.org:51820');
    expect(show.stdout).toMatch(/▀|▄|█/);
    const png = readFileSync(join(dir, 'alice.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(statSync(join(dir, 'alice.png')).mode & 0o777).toBe(0o600);
    const again = cli(['peer', 'show', 'alice', '--png', join(dir, 'alice.png')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; the PNG holds a private key/);
    expect(cli(['peer', 'show', 'nobody']).stderr).toMatch(/no peer nobody/);
  });

  it('the PNG decodes (zbarimg) to exactly the client config that show prints', () => {
    const config = cli(['peer', 'show', 'alice', '--no-qr']).stdout;
    expect(config).not.toMatch(/▀|▄|█/);
    expect(cli(['peer', 'show', 'alice', '--no-qr', '--png', join(dir, 'qr.png')]).code).toBe(0);
    const decoded = execFileSync('zbarimg', ['--quiet', '--raw', '-Sbinary', join(dir, 'qr.png')], { encoding: 'utf8' });
    expect(decoded).toBe(config);
  });
});
