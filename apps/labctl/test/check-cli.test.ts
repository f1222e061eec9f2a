import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { makeTempDir, removeTempDirs } from '../../../packages/testkit/src/index.js';
import { labctl, repoRoot } from './lab-netns.js';

afterAll(removeTempDirs);

// biome-ignore lint/suspicious/noExplicitAny: tests edit the free-form YAML tree
type Raw = Record<string, any>;
const labRaw = (): Raw => parse(readFileSync(join(repoRoot, 'lab/lab.yaml'), 'utf8'));

const variants: [string, (r: Raw) => void, string][] = [
  [
    'a 16-byte interface name',
    (r) => Object.assign(r.links[2], { name: 'p-lbmt-darkroom1' }),
    'interface name "p-lbmt-darkroom1" is 16 bytes',
  ],
  [
    'an address used twice',
    (r) => Object.assign(r.links[7], { a: { end: 'rproxy-edge', ip: '172.16.5.0' }, b: { end: 'mc-map', ip: '172.16.5.1' } }),
    'already used by link p-mc-server',
  ],
  [
    'a /31 pair with the wrong parity',
    (r) => Object.assign(r.links[2], { a: { end: 'rproxy-edge', ip: '172.16.1.1' }, b: { end: 'lbmt-darkroom', ip: '172.16.1.2' } }),
    'not the even and the odd address of one /31',
  ],
  ['a link to an unknown container', (r) => Object.assign(r.links[8], { b: { end: 'git-shh', ip: '10.1.1.1' } }), 'unknown end "git-shh"'],
  [
    'an undeclared link between the public and private hubs',
    (r) => r.links.push({ name: 'mc-srv-ttyd', a: { end: 'mc-server', ip: '10.254.2.0' }, b: { end: 'mc-ttyd-rcon', ip: '10.254.2.1' } }),
    'joins the public hub (mc-server) and the private hub (mc-ttyd-rcon) and is not declared',
  ],
  ['an unknown key', (r) => Object.assign(r.containers['mc-map'], { colour: 'blue' }), 'containers.mc-map.colour: unknown key'],
];

describe('labctl check', () => {
  it('accepts the committed lab.yaml', async () => {
    const r = await labctl(['check']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('lab/lab.yaml: ok (18 containers, 16 links)\n');
  });

  it.each(variants)('gives one clear error and exit 2 for %s', async (_what, breakIt, message) => {
    const dir = await makeTempDir('labctl-check-');
    const raw = labRaw();
    breakIt(raw);
    const file = join(dir, 'lab.yaml');
    await writeFile(file, stringify(raw));
    const r = await labctl(['check', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toContain(message);
    expect(lines[0]).toMatch(/; fix: /);
    // the problem line, then the summary line
    expect(lines).toHaveLength(2);
  });

  it('refuses a VPN peer (vpn.peers_file, relative to lab.yaml) outside the client subnet or on a link', async () => {
    const dir = await makeTempDir('labctl-check-');
    const raw = labRaw();
    raw.vpn.peers_file = 'peers.yaml';
    await writeFile(join(dir, 'lab.yaml'), stringify(raw));
    await writeFile(join(dir, 'peers.yaml'), 'peers:\n  - { name: phone, address: 10.200.0.2, allow: [git-ssh] }\n');
    const ok = await labctl(['check', join(dir, 'lab.yaml')]);
    expect(ok.code, ok.stderr).toBe(0);
    await writeFile(
      join(dir, 'peers.yaml'),
      'peers:\n  - { name: phone, address: 10.100.0.2 }\n  - { name: laptop, address: 10.1.3.0, allow: [git-ssh] }\n',
    );
    const r = await labctl(['check', join(dir, 'lab.yaml')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toContain('peers.0 (phone): address 10.100.0.2 lies outside the VPN client subnet 10.200.0.0/24; fix: ');
    expect(lines[1]).toContain('peers.1 (laptop): address 10.1.3.0 overlaps link v-zfs-web; fix: ');
    expect(lines).toHaveLength(3);
  });

  it('names the over-long names of the notes table 3 and proposes fitting ones', async () => {
    const dir = await makeTempDir('labctl-notes-');
    const raw = labRaw();
    raw.links = parse(readFileSync(join(repoRoot, 'apps/labctl/test/fixtures/notes-table3.yaml'), 'utf8'));
    await writeFile(join(dir, 'lab.yaml'), stringify(raw));
    const r = await labctl(['check', join(dir, 'lab.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'links.2 (pub-lbmt-darkroom): interface name "pub-lbmt-darkroom" is 17 bytes; the kernel allows at most 15 (both ends); fix: rename it "p-lbmt-darkroom"',
    );
    expect(r.stderr.match(/bytes; the kernel allows/g)).toHaveLength(4);
  });

  it('accepts the minimal lab of the README', async () => {
    const readme = readFileSync(join(repoRoot, 'apps/labctl/README.md'), 'utf8');
    const example = /A minimal lab \(parsed by a test\):\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = await makeTempDir('labctl-readme-');
    await writeFile(join(dir, 'lab.yaml'), example ?? '');
    const r = await labctl(['check', join(dir, 'lab.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('ok (3 containers, 3 links)');
  });

  it('prints the --help shown in the README', async () => {
    const r = await labctl(['--help']);
    const readme = readFileSync(join(repoRoot, 'apps/labctl/README.md'), 'utf8');
    expect(readme).toContain(r.stdout.trim());
  });
});
