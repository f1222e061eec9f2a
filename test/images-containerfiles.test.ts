import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appImageProblems, isPinned } from './images/containerfile-rules.js';
import {
  appContainerfiles,
  argsOf,
  containerfileNames,
  flagsOf,
  keyword,
  parseContainerfile,
  type Stage,
} from './images/containerfiles.js';
import { repoRoot } from './images/podman-sandbox.js';

// The containers of the notes' table 1 that run a sidecar or service of ours, and their apps.
const EXPECTED: Record<string, string> = {
  'mc-server': 'rcon-bridge',
  'mc-ttyd-rcon': 'mc-console',
  'mc-backup': 'mc-backup',
  'mc-map': 'map-watcher',
  'git-ssh': 'git-shell',
  'git-web': 'cgit-config',
  'zfs-backup': 'zfs-agent',
  'zfs-ssh': 'sftp-config',
  'zfs-web': 'filestash-config',
  'vpn-edge': 'wg-agent',
  'reverse-proxy-stats': 'proxy-stats',
};
// Images of a tool alone (no app of ours, no bundle), and the app whose `image` task also builds them.
const TOOLS: Record<string, { tool: string; builtBy: string }> = {
  'rproxy-edge': { tool: 'caddy', builtBy: 'wg-agent' },
};

const files = appContainerfiles();
const base = parseContainerfile('runtime-base');
const lastUser = (s: Stage) => s.instructions.filter((i) => keyword(i) === 'USER').at(-1);

describe('containerfiles', () => {
  it('has one Containerfile per container with a sidecar, each labelled with its app', () => {
    expect(containerfileNames()).toEqual(['runtime-base', ...Object.keys(EXPECTED), ...Object.keys(TOOLS)].sort());
    expect(Object.fromEntries(files.filter((f) => f.app).map((f) => [f.image, f.app]))).toEqual(EXPECTED);
    expect(Object.fromEntries(files.filter((f) => !f.app).map((f) => [f.image, f.tool]))).toEqual(
      Object.fromEntries(Object.entries(TOOLS).map(([image, t]) => [image, t.tool])),
    );
  });

  for (const f of files) {
    it(`${f.image}: multi-stage, pinned bases, bundle-only runtime, non-root, healthcheck, tini`, () => {
      expect(appImageProblems(f)).toEqual([]);
    });
  }

  it('sets the node options of every sidecar in one place: the runtime base (labctl run on the host passes the same)', () => {
    const nodeOptions = (text: string) => [...text.matchAll(/NODE_OPTIONS=([^\s"]+)/g)].map((m) => m[1]);
    const baseOptions = nodeOptions(readFileSync(join(repoRoot, 'containerfiles', 'runtime-base.Containerfile'), 'utf8'));
    expect(baseOptions).toEqual(['--max-semi-space-size=1']);
    for (const f of files) expect(nodeOptions(readFileSync(f.path, 'utf8')), f.image).toEqual([]);
    expect(nodeOptions(readFileSync(join(repoRoot, 'lab', 'openrc', 'labctl'), 'utf8'))).toEqual(baseOptions);
  });

  it("wires each app's `image` script to its Containerfile (the turbo image task)", () => {
    const imageScript = (app: string) => JSON.parse(readFileSync(join(repoRoot, 'apps', app, 'package.json'), 'utf8')).scripts?.image;
    for (const [image, app] of Object.entries(EXPECTED)) {
      expect(imageScript(app)?.split(' && ')[0], `apps/${app}/package.json`).toBe(`node ../../scripts/images/build-image.mjs ${image}`);
    }
    for (const [image, { builtBy }] of Object.entries(TOOLS)) {
      expect(imageScript(builtBy)?.split(' && '), `apps/${builtBy}/package.json`).toContain(
        `node ../../scripts/images/build-image.mjs ${image}`,
      );
    }
    const turbo = JSON.parse(readFileSync(join(repoRoot, 'turbo.json'), 'utf8'));
    expect(turbo.tasks.image.dependsOn).toContain('build');
  });

  it('uses one Alpine release pinned by digest, and the runtime base of the repo version', () => {
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
    const alpines = new Set([base, ...files].map((f) => f.globalArgs.get('ALPINE_IMAGE')));
    expect([...alpines]).toHaveLength(1);
    expect([...alpines][0]).toMatch(/^docker\.io\/library\/alpine:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    for (const f of files) {
      expect(f.globalArgs.get('RUNTIME_BASE'), f.image).toBe(`localhost/homelab/runtime-base:${version}`);
      expect([f.globalArgs.get('BUNDLE'), f.globalArgs.get('PACKAGES')], `${f.image}: the defaults are the real build`).toEqual([
        f.app ? 'source' : undefined,
        'apk',
      ]);
    }
  });

  it('runs only zfs-backup (/dev/zfs), zfs-ssh (sshd chroots and switches users) and vpn-edge (/dev/net/tun) as root', () => {
    const root = files.filter((f) => /^(root|0)\b/.test(lastUser(f.runtime)?.getArgumentsContent() ?? ''));
    expect(root.map((f) => f.image)).toEqual(['vpn-edge', 'zfs-backup', 'zfs-ssh']);
  });

  it('runtime base: pinned Alpine, nodejs and tini from apk, non-root user, /tmp 1777, the probe, a healthcheck', () => {
    expect(base.stages.map((s) => s.name)).toEqual(['os', 'packages-apk', 'packages-preinstalled', 'runtime']);
    expect((base.stages[1] as Stage).instructions.map((i) => i.getArgumentsContent())).toEqual(['apk add --no-cache nodejs tini']);
    const runs = base.runtime.instructions.filter((i) => keyword(i) === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs.join('\n')).toContain('chmod 1777 /tmp');
    expect(lastUser(base.runtime)?.getArgumentsContent()).toBe('homelab');
    expect(base.runtime.instructions.some((i) => keyword(i) === 'HEALTHCHECK')).toBe(true);
    const copies = base.runtime.instructions.filter((i) => keyword(i) === 'COPY').map(argsOf);
    expect(copies).toEqual([['healthcheck.mjs', '/usr/local/lib/homelab/healthcheck.mjs']]);
  });

  it('has every file that images copy from the build context', () => {
    for (const f of files) {
      for (const stage of f.stages.filter((s) => s.name !== 'bundle-source')) {
        for (const c of stage.instructions.filter((i) => keyword(i) === 'COPY' && !flagsOf(i).get('from'))) {
          for (const src of argsOf(c).slice(0, -1)) expect(existsSync(join(repoRoot, src)), `${f.image}: ${src}`).toBe(true);
        }
      }
    }
  });
});

describe('containerfile rules catch what they must', () => {
  const original = readFileSync(join(repoRoot, 'containerfiles/mc-backup.Containerfile'), 'utf8');
  const mutate = (from: string | RegExp, to: string) => {
    const text = original.replace(from, to);
    expect(text, `mutation of ${from}`).not.toBe(original);
    return appImageProblems(parseContainerfile('mc-backup', text));
  };

  it.each([
    ['an unpinned base', /ARG ALPINE_IMAGE=\S+/, 'ARG ALPINE_IMAGE=docker.io/library/alpine:latest', /^pinned: /],
    ['a base without a tag', /ARG RUNTIME_BASE=\S+/, 'ARG RUNTIME_BASE=localhost/homelab/runtime-base', /^pinned: /],
    ['a builder without npm ci', 'npm ci --no-audit --no-fund && ', '', /^multi-stage: the builder does not run npm ci/],
    [
      'a single stage',
      /^[\s\S]*FROM packages-\$\{PACKAGES\} AS runtime\n/m,
      'FROM docker.io/library/alpine:3.21.3 AS runtime\n',
      /^multi-stage: no stage/,
    ],
    [
      'the whole repo in the runtime',
      'USER homelab\nENTRYPOINT',
      'COPY . /app\nUSER homelab\nENTRYPOINT',
      /^bundle-only: COPY \. from the build context/,
    ],
    [
      'node_modules from the builder',
      'USER homelab\nENTRYPOINT',
      'COPY --from=bundle-source /src/node_modules /app/node_modules\nUSER homelab\nENTRYPOINT',
      /^bundle-only: COPY --from=bundle-source/,
    ],
    [
      "another container's rendered config",
      'USER homelab\nENTRYPOINT',
      'COPY compose/lighttpd/mc-map.conf /etc/lighttpd/lighttpd.conf\nUSER homelab\nENTRYPOINT',
      /^bundle-only: COPY compose\/lighttpd\/mc-map\.conf from the build context/,
    ],
    [
      'a bundle whose code cache the image does not write',
      /(?<!NODE_OPTIONS= )HOMELAB_CODE_CACHE=write node \S+ --help > \/dev\/null/,
      'true',
      /^code-cache: the runtime stage does not run HOMELAB_CODE_CACHE=write/,
    ],
    [
      'no code cache for what sshd starts (without NODE_OPTIONS)',
      / \\\n && NODE_OPTIONS= HOMELAB_CODE_CACHE=write node \S+ --help > \/dev\/null/,
      '',
      /^code-cache: the runtime stage does not run NODE_OPTIONS= /,
    ],
    ['an ADD', 'USER homelab\nENTRYPOINT', 'ADD https://example.invalid/x /x\nUSER homelab\nENTRYPOINT', /^bundle-only: ADD/],
    ['root without a reason', 'USER homelab\nENTRYPOINT', 'USER root\nENTRYPOINT', /^non-root: USER root without/],
    ['no HEALTHCHECK', /HEALTHCHECK .*\n/, '', /^healthcheck: 0 HEALTHCHECK/],
    ['a shell-form CMD', 'CMD ["run"]', 'CMD mc-backup run', /^entrypoint: CMD in shell form/],
    ['no tini', 'ENTRYPOINT ["/sbin/tini", "--", "mc-backup"]', 'ENTRYPOINT ["mc-backup"]', /^entrypoint: /],
  ])('%s', (_what, from, to, expected) => {
    const problems = mutate(from, to);
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('accepts root with a reason, as zfs-backup gives it', () => {
    const problems = mutate(
      'USER homelab\nENTRYPOINT',
      '# Root on purpose: borg must read files of every owner in this made-up variant.\nUSER root\nENTRYPOINT',
    );
    expect(problems).toEqual([]);
  });

  it('holds a tool image (no bundle) to the same rules, and refuses a bundle stage in it', () => {
    const tool = readFileSync(join(repoRoot, 'containerfiles/rproxy-edge.Containerfile'), 'utf8');
    expect(appImageProblems(parseContainerfile('rproxy-edge', tool))).toEqual([]);
    const withBundle = tool.replace(/^FROM (\S+) AS packages-apk$/m, 'FROM scratch AS bundle\n\nFROM $1 AS packages-apk');
    expect(appImageProblems(parseContainerfile('rproxy-edge', withBundle))).toContain('multi-stage: a tool image with stage bundle');
    const asRoot = tool.replace('USER homelab\nEXPOSE', 'USER root\nEXPOSE');
    expect(appImageProblems(parseContainerfile('rproxy-edge', asRoot)).some((p) => p.startsWith('non-root: '))).toBe(true);
    const noLabel = tool.replace(/LABEL homelab\.tool="caddy" /, 'LABEL ');
    expect(appImageProblems(parseContainerfile('rproxy-edge', noLabel)).some((p) => p.startsWith('label: '))).toBe(true);
  });

  it('tells pinned references from floating ones', () => {
    expect(isPinned('docker.io/library/alpine:3.21.3@sha256:a8560b36e8b8210634f77d9f7f9efd7ffa463e380b75e2e74aff4511df3ef88c')).toBe(true);
    expect(isPinned('localhost/homelab/runtime-base:0.1.0')).toBe(true);
    expect(isPinned('alpine')).toBe(false);
    expect(isPinned('alpine:latest')).toBe(false);
    expect(isPinned('localhost:5000/alpine')).toBe(false);
  });
});
