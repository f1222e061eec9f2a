import { describe, expect, it } from 'vitest';
import { loadLab } from '../../test/lab-file.js';
import { capsFromMask } from './capabilities.js';
import { auditContainer } from './checks.js';
import type { ContainerFacts } from './facts.js';

const lab = loadLab();
const ctx = { configDir: '/srv/lab/compose', apparmor: false };

/** git-web as `labctl up` runs it (read-only pool bind, no capability, user homelab). */
function gitWeb(patch: (f: ContainerFacts) => void = () => {}): ContainerFacts {
  const f: ContainerFacts = {
    podmanName: 'git-web',
    pid: 4242,
    inspect: {
      effectiveCaps: [],
      boundingCaps: [],
      readonlyRootfs: true,
      privileged: false,
      securityOpt: ['no-new-privileges'],
      modes: { network: 'none', pid: 'private', ipc: 'shareable', uts: 'private', userns: '', cgroupns: '' },
      imageUser: 'homelab',
      appArmorProfile: '',
      mounts: [{ type: 'bind', source: '/zfs/storage/git', destination: '/home/git/repos', rw: false }],
    },
    proc: {
      uid: [1000, 1000, 1000, 1000],
      noNewPrivs: 1,
      seccomp: 2,
      capEff: '0000000000000000',
      capBnd: '0000000000000000',
      capPrm: '0000000000000000',
      rootReadOnly: true,
    },
    sharedNamespaces: [],
    interfaces: ['lo', 'p-git-web'],
    attest: {
      uid: [1000, 1000, 1000, 1000],
      noNewPrivs: 1,
      seccomp: 2,
      capEff: '0000000000000000',
      capBnd: '0000000000000000',
      capPrm: '0000000000000000',
      rootReadOnly: true,
    },
  };
  patch(f);
  return f;
}

const findings = (f: ContainerFacts, name = 'git-web') =>
  auditContainer(lab, name, lab.containers[name] as never, f, ctx)
    .filter((c) => c.status === 'finding')
    .map((c) => `${c.check}: ${c.detail}`);

describe('auditContainer', () => {
  it('passes a container run as declared, and reports AppArmor as unavailable, not passed', () => {
    const checks = auditContainer(lab, 'git-web', lab.containers['git-web'] as never, gitWeb(), ctx);
    expect(checks.filter((c) => c.status === 'finding')).toEqual([]);
    expect(checks.find((c) => c.check === 'apparmor')).toEqual(expect.objectContaining({ status: 'unavailable' }));
    expect(checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        'capabilities (bounding)',
        'seccomp',
        'no-new-privileges',
        'read-only root',
        'user',
        'namespaces',
        'mounts',
        'network',
        'attest',
      ]),
    );
  });

  it('names an extra capability, saying when it is one of podman defaults', () => {
    const f = gitWeb((x) => {
      x.proc.capBnd = '0000000000002000'; // NET_RAW
      x.inspect.boundingCaps = ['CAP_NET_RAW'];
    });
    expect(findings(f)).toEqual([
      "capabilities (bounding): not declared: NET_RAW (podman's default set: --cap-drop all missing?) (declared: none)",
      "capabilities (podman): not declared: NET_RAW (podman's default set: --cap-drop all missing?)",
    ]);
    expect(
      findings(
        gitWeb((x) => {
          x.proc.capBnd = '0000000000200000';
        }),
      ),
    ).toEqual(['capabilities (bounding): not declared: SYS_ADMIN (declared: none)']);
  });

  it('a declared capability is no finding (rproxy-edge binds 80 with NET_BIND_SERVICE)', () => {
    const f = gitWeb((x) => {
      x.proc.capBnd = '0000000000000400';
      x.proc.capEff = '0000000000000400';
      x.inspect.imageUser = '';
      x.inspect.mounts = [];
      x.interfaces = ['lo', 'host-pub', 'p-git-web'];
      x.attest = undefined;
    });
    expect(findings(f, 'rproxy-edge')).toEqual([]);
  });

  it('reports a writable root, seccomp off, no no-new-privileges, root where the image says homelab', () => {
    const f = gitWeb((x) => {
      x.inspect.readonlyRootfs = false;
      x.proc.rootReadOnly = false;
      x.proc.seccomp = 0;
      x.proc.noNewPrivs = 0;
      x.proc.uid = [0, 0, 0, 0];
    });
    expect(findings(f)).toEqual([
      'seccomp: mode 0, expected 2 (filter)',
      'no-new-privileges: not set',
      'read-only root: writable (podman ReadonlyRootfs false, / mounted rw)',
      'user: image USER homelab, runs as uid 0',
    ]);
  });

  it('reports shared namespaces, undeclared mounts (naming the sensitive ones), a writable read-only mount, extra interfaces', () => {
    const f = gitWeb((x) => {
      x.sharedNamespaces = ['net'];
      x.inspect.modes.pid = 'host';
      x.inspect.mounts = [
        { type: 'bind', source: '/zfs/storage/git', destination: '/home/git/repos', rw: true },
        { type: 'bind', source: '/run/podman/podman.sock', destination: '/run/podman.sock', rw: true },
      ];
      x.interfaces = ['lo', 'p-git-web', 'eth0'];
    });
    expect(findings(f)).toEqual([
      'namespaces: shared with the host: net, pid',
      'mounts: /zfs/storage/git on /home/git/repos writable, declared read-only; /run/podman/podman.sock on /run/podman.sock not declared (sensitive: podman socket or /zfs/storage)',
      'network: undeclared interfaces: eth0',
    ]);
  });

  it("allows vpn.interface (wg-agent's WireGuard interface) in the private hub's edge only", () => {
    const vpnEdge = (ifaces: string[]) =>
      auditContainer(
        lab,
        'vpn-edge',
        lab.containers['vpn-edge'] as never,
        gitWeb((x) => (x.interfaces = ifaces)),
        ctx,
      ).find((c) => c.check === 'network');
    expect(vpnEdge(['lo', 'host-pri', 'v-git-ssh', 'wg0'])?.status).toBe('ok');
    expect(vpnEdge(['lo', 'host-pri', 'wg1'])?.detail).toBe('undeclared interfaces: wg1');
    expect(findings(gitWeb((x) => (x.interfaces = ['lo', 'p-git-web', 'wg0'])))).toEqual(['network: undeclared interfaces: wg0']);
  });

  it("cross-checks the sidecar's own /attest", () => {
    expect(
      findings(
        gitWeb((x) => {
          x.attest = { error: 'GET /attest failed (exit 1)' };
        }),
      ),
    ).toEqual(['attest: GET /attest failed (exit 1)']);
    const lying = gitWeb((x) => {
      if (x.attest && !('error' in x.attest)) Object.assign(x.attest, { seccomp: 0, rootReadOnly: false, capEff: '0000000000000001' });
    });
    expect(findings(lying)).toEqual(['attest: the sidecar reports Seccomp 0, / writable, CapEff has CHOWN']);
  });

  it("decodes capability masks (docker's classic default set)", () => {
    expect(capsFromMask('0000000000000000')).toEqual([]);
    expect(capsFromMask('00000000a80425fb')).toEqual([
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'SETGID',
      'SETUID',
      'SETPCAP',
      'NET_BIND_SERVICE',
      'NET_RAW',
      'SYS_CHROOT',
      'MKNOD',
      'AUDIT_WRITE',
      'SETFCAP',
    ]);
  });
});
