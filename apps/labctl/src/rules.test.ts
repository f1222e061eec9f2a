import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from './issues.js';
import { parseLab } from './load.js';
import { checkLab } from './rules.js';
import { labRaw, labText, loadLab } from './test-support.js';

const issuesOf = (raw: unknown) => {
  const parsed = parseLab(JSON.stringify(raw));
  return (parsed.ok ? checkLab(parsed.lab) : parsed.issues).map(formatIssue);
};

describe('checkLab', () => {
  it('passes the committed lab.yaml', () => {
    const parsed = parseLab(labText());
    expect(parsed.ok).toBe(true);
    expect(checkLab(loadLab())).toEqual([]);
  });

  it('finds the over-long interface names of the notes table 3 and proposes names that fit', () => {
    const raw = labRaw();
    raw.links = parse(readFileSync(new URL('../test/fixtures/notes-table3.yaml', import.meta.url), 'utf8'));
    const issues = issuesOf(raw);
    expect(issues).toHaveLength(4);
    expect(issues.join('\n')).toContain('interface name "pub-lbmt-darkroom" is 17 bytes; the kernel allows at most 15');
    expect(issues.join('\n')).toContain('rename it "p-lbmt-darkroom"');
    expect(issues.join('\n')).toContain('rename it "v-mc-ttyd-rcon"');
    expect(issues.join('\n')).toContain('rename it "v-navid-server"');
    expect(issues.join('\n')).toContain('rename it "navid-srvr-web"');
  });

  const broken: [string, (raw: ReturnType<typeof labRaw>) => void, RegExp][] = [
    [
      'a 16-byte interface name',
      (r) => Object.assign(r.links[2] as object, { name: 'p-lbmt-darkroom1' }),
      /p-lbmt-darkroom1.*16 bytes.*fix: rename it/,
    ],
    [
      'an address used twice',
      (r) => Object.assign(r.links[7] as object, { a: { end: 'rproxy-edge', ip: '172.16.5.0' }, b: { end: 'mc-map', ip: '172.16.5.1' } }),
      /links\.7 \(p-mc-map\): addresses 172\.16\.5\.0 \(already used by link p-mc-server, end rproxy-edge\) and 172\.16\.5\.1 .*fix: give every link its own \/31/,
    ],
    [
      'a /31 pair with the wrong parity',
      (r) =>
        Object.assign(r.links[2] as object, { a: { end: 'rproxy-edge', ip: '172.16.1.1' }, b: { end: 'lbmt-darkroom', ip: '172.16.1.2' } }),
      /links\.2 \(p-lbmt-darkroom\): 172\.16\.1\.1 and 172\.16\.1\.2 are not the even and the odd address of one \/31.*fix: use a: 172\.16\.1\.0 and b: 172\.16\.1\.1/,
    ],
    [
      'a link to an unknown container',
      (r) => Object.assign(r.links[8] as object, { b: { end: 'git-shh', ip: '10.1.1.1' } }),
      /links\.8 \(v-git-ssh\): unknown end "git-shh"/,
    ],
    [
      'an undeclared link between the public and private hubs',
      (r) => r.links.push({ name: 'mc-srv-ttyd', a: { end: 'mc-server', ip: '10.254.2.0' }, b: { end: 'mc-ttyd-rcon', ip: '10.254.2.1' } }),
      /links\.\d+ \(mc-srv-ttyd\): joins the public hub \(mc-server\) and the private hub \(mc-ttyd-rcon\) and is not declared; fix: .*cross_hub_links/,
    ],
    ['an unknown key', (r) => Object.assign(r.links[0] as object, { colour: 'blue' }), /links\.0\.colour: unknown key; fix: remove it/],
    [
      'an allowlisted port that is not published',
      (r) => Object.assign(r.host as object, { allowlist_tcp_ports: [25566] }),
      /host\.allowlist_tcp_ports: 25566 is not a published TCP port/,
    ],
  ];

  it.each(broken)('reports %s as exactly one clear issue', (_what, breakIt, pattern) => {
    const raw = labRaw();
    breakIt(raw);
    const issues = issuesOf(raw);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(pattern);
  });

  it('refuses a /30 and a container on both hubs', () => {
    const raw = labRaw();
    Object.assign(raw.links[2] as object, { prefix: 30 });
    raw.links.push({ name: 'v-lbmt-darkroom', a: { end: 'vpn-edge', ip: '10.1.9.0' }, b: { end: 'lbmt-darkroom', ip: '10.1.9.1' } });
    const issues = issuesOf(raw).join('\n');
    expect(issues).toMatch(/prefix \/30.*fix: use prefix: 31/);
    expect(issues).toMatch(/containers\.lbmt-darkroom: is linked to both the public and the private edge/);
  });
});
