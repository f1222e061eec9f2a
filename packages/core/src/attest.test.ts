import { describe, expect, it } from 'vitest';
import { parseProcStatus, parseRootReadOnly } from './attest.js';
import { buildHealthApp } from './health.js';

// The shape /proc/self/status has in a container run with --cap-drop ALL --cap-add NET_BIND_SERVICE and no-new-privileges.
const STATUS = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
Uid:\t1000\t1000\t1000\t1000
Gid:\t1000\t1000\t1000\t1000
CapInh:\t0000000000000000
CapPrm:\t0000000000000000
CapEff:\t0000000000000000
CapBnd:\t0000000000000400
CapAmb:\t0000000000000000
NoNewPrivs:\t1
Seccomp:\t2
Seccomp_filters:\t1
`;

const MOUNTINFO_RO = `612 580 0:52 / / ro,relatime - overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c
613 612 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
614 612 0:56 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw`;

describe('attest parsers', () => {
  it('reads uid, no_new_privs, seccomp and the capability masks from /proc/self/status', () => {
    expect(parseProcStatus(STATUS)).toEqual({
      uid: [1000, 1000, 1000, 1000],
      noNewPrivs: 1,
      seccomp: 2,
      capEff: '0000000000000000',
      capBnd: '0000000000000400',
      capPrm: '0000000000000000',
    });
  });

  it('gives null for fields an older kernel does not have, never a guess', () => {
    expect(parseProcStatus('Uid:\t0\t0\t0\t0\nCapEff:\tzz\n')).toMatchObject({
      uid: [0, 0, 0, 0],
      noNewPrivs: null,
      seccomp: null,
      capEff: null,
    });
  });

  it('reads the per-mount option of / (not the superblock options), the top mount winning', () => {
    expect(parseRootReadOnly(MOUNTINFO_RO)).toBe(true);
    expect(parseRootReadOnly(MOUNTINFO_RO.replace('/ / ro,relatime', '/ / rw,relatime'))).toBe(false);
    expect(parseRootReadOnly(`${MOUNTINFO_RO}\n700 612 0:60 / / ro,relatime - tmpfs t rw`)).toBe(true);
    expect(parseRootReadOnly(`${MOUNTINFO_RO}\n700 612 0:60 / / rw,relatime - tmpfs t ro`)).toBe(false);
    expect(parseRootReadOnly('613 612 0:55 / /proc rw - proc proc rw')).toBeNull();
  });

  it('GET /attest on the health app answers with this process own view', async () => {
    const app = buildHealthApp();
    const res = await app.inject({ url: '/attest' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.uid[0]).toBe(process.getuid?.());
    expect(body.seccomp).toBeTypeOf('number');
    expect(body.capEff).toMatch(/^[0-9a-f]{16}$/);
    expect(body.rootReadOnly).toBeTypeOf('boolean');
  });
});
