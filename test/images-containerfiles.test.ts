import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appContainerfiles,
  argsOf,
  type Containerfile,
  commentAbove,
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
};

const files = appContainerfiles();
const base = parseContainerfile('runtime-base');
const stageNames = (f: Containerfile) => new Set(f.stages.map((s) => s.name).filter(Boolean));
/** A FROM that names an image (not scratch, not a stage of the same file), with ARG defaults filled in. */
const isExternal = (f: Containerfile, s: Stage) => s.fromResolved !== 'scratch' && !stageNames(f).has(s.fromResolved);
const lastUser = (s: Stage) => s.instructions.filter((i) => keyword(i) === 'USER').at(-1);

/** An external image reference is pinned: a digest, or at least a version tag (never `latest`). */
function assertPinned(ref: string, where: string): void {
  expect(ref, `${where}: base image reference`).not.toBe('');
  const digest = /@sha256:[0-9a-f]{64}$/.test(ref);
  const tag = /:([^/@]+)(@|$)/.exec(ref)?.[1];
  expect(
    digest || (tag !== undefined && tag !== 'latest' && /\d/.test(tag)),
    `${where}: ${ref} is not pinned (digest or version tag)`,
  ).toBe(true);
}

describe('containerfiles', () => {
  it('has one Containerfile per container with a sidecar, each labelled with its app', () => {
    expect(containerfileNames()).toEqual(['runtime-base', ...Object.keys(EXPECTED)].sort());
    expect(Object.fromEntries(files.map((f) => [f.image, f.app]))).toEqual(EXPECTED);
  });

  it("wires each app's `image` script to its Containerfile (the turbo image task)", () => {
    for (const [image, app] of Object.entries(EXPECTED)) {
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'apps', app, 'package.json'), 'utf8'));
      expect(pkg.scripts?.image, `apps/${app}/package.json`).toBe(`node ../../scripts/images/build-image.mjs ${image}`);
    }
    const turbo = JSON.parse(readFileSync(join(repoRoot, 'turbo.json'), 'utf8'));
    expect(turbo.tasks.image.dependsOn).toContain('build');
  });

  it('pins every base image: Alpine by digest, the runtime base by the repo version', () => {
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
    for (const f of [base, ...files]) {
      const alpine = f.globalArgs.get('ALPINE_IMAGE') ?? '';
      expect(alpine, `${f.image}: ALPINE_IMAGE`).toMatch(/^docker\.io\/library\/alpine:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
      for (const stage of f.stages) {
        if (isExternal(f, stage)) assertPinned(stage.fromResolved, `${f.image} stage ${stage.name}`);
      }
    }
    const alpines = new Set([base, ...files].map((f) => f.globalArgs.get('ALPINE_IMAGE')));
    expect(alpines.size, 'one Alpine release for all images').toBe(1);
    for (const f of files) expect(f.globalArgs.get('RUNTIME_BASE'), f.image).toBe(`localhost/homelab/runtime-base:${version}`);
  });

  it('is multi-stage: a builder runs npm ci and the turbo build of just that app; bundle and package steps are selectable', () => {
    for (const f of files) {
      const names = stageNames(f);
      for (const name of ['bundle-source', 'bundle-prebuilt', 'bundle', 'packages-apk', 'packages-preinstalled', 'runtime']) {
        expect(names.has(name), `${f.image}: stage ${name}`).toBe(true);
      }
      const builder = f.stages.find((s) => s.name === 'bundle-source') as Stage;
      const runs = builder.instructions.filter((i) => keyword(i) === 'RUN').map((i) => i.getArgumentsContent() ?? '');
      expect(runs.join('\n'), f.image).toMatch(/npm ci\b/);
      expect(runs.join('\n'), f.image).toContain(`turbo run build --filter=@homelab/${f.app}`);
      // The selectors resolve (with their defaults) to stages of the same file.
      for (const s of f.stages.filter((st) => /\$\{(BUNDLE|PACKAGES|RENDERER)\}/.test(st.from))) {
        expect(names.has(s.fromResolved), `${f.image}: FROM ${s.from} -> ${s.fromResolved}`).toBe(true);
      }
      expect(f.globalArgs.get('BUNDLE')).toBe('source');
      expect(f.globalArgs.get('PACKAGES')).toBe('apk');
      // The tools come from Alpine packages in the apk variant.
      const apk = f.stages.find((s) => s.name === 'packages-apk') as Stage;
      expect(
        apk.instructions.some((i) => keyword(i) === 'RUN' && /apk add --no-cache/.test(i.getArgumentsContent() ?? '')),
        f.image,
      ).toBe(true);
    }
  });

  it('copies only the bundle (and its own config files) into the runtime stage', () => {
    for (const f of files) {
      const copies = f.runtime.instructions.filter((i) => keyword(i) === 'COPY' || keyword(i) === 'ADD');
      expect(
        copies.every((c) => keyword(c) === 'COPY'),
        `${f.image}: no ADD`,
      ).toBe(true);
      const fromBundle = copies.filter((c) => flagsOf(c).get('from') === 'bundle');
      expect(fromBundle.length, `${f.image}: one COPY --from=bundle`).toBe(1);
      expect(argsOf(fromBundle[0] as never).slice(0, -1), f.image).toEqual([`/src/apps/${f.app}/dist/main.js`]);
      for (const c of copies.filter((x) => x !== fromBundle[0])) {
        const from = flagsOf(c).get('from');
        if (from) {
          // Another stage of this file (a tool such as the map renderer), never the builder itself.
          expect(stageNames(f).has(from) && !from.startsWith('bundle'), `${f.image}: COPY --from=${from}`).toBe(true);
        } else {
          for (const src of argsOf(c).slice(0, -1))
            expect(src, `${f.image}: COPY from the context`).toMatch(new RegExp(`^containerfiles/${f.image}/`));
        }
      }
      // The prebuilt variant takes nothing from the context but the bundle.
      const prebuilt = f.stages.find((s) => s.name === 'bundle-prebuilt') as Stage;
      expect(prebuilt.from).toBe('scratch');
      expect(prebuilt.instructions.map((i) => i.getArgumentsContent())).toEqual([
        `apps/${f.app}/dist/main.js /src/apps/${f.app}/dist/main.js`,
      ]);
    }
  });

  it('runs as a non-root user, root only with a comment saying why', () => {
    for (const f of files) {
      const user = lastUser(f.runtime);
      expect(user, `${f.image}: USER in the runtime stage`).toBeDefined();
      const name = (user?.getArgumentsContent() ?? '').split(':')[0];
      if (name === 'root' || name === '0') {
        expect(commentAbove(f, user as never), `${f.image}: USER root needs a comment`).toMatch(/^Root on purpose: .{40,}/);
      } else {
        expect(['homelab', 'git'], f.image).toContain(name);
      }
    }
    // Only the container that drives /dev/zfs runs as root.
    expect(files.filter((f) => /^(root|0)/.test(lastUser(f.runtime)?.getArgumentsContent() ?? '')).map((f) => f.image)).toEqual([
      'zfs-backup',
    ]);
  });

  it('has a HEALTHCHECK, an exec-form tini ENTRYPOINT and no shell-form CMD', () => {
    for (const f of files) {
      const checks = f.runtime.instructions.filter((i) => keyword(i) === 'HEALTHCHECK');
      expect(checks.length, `${f.image}: HEALTHCHECK`).toBe(1);
      const content = f.lines[checks[0]?.getRange().start.line ?? -1] ?? '';
      expect(content, f.image).toMatch(/CMD \["node", "\/usr\/local\/lib\/homelab\/healthcheck\.mjs"/);
      expect(content, f.image).toMatch(/--interval=\d+s --timeout=\d+s/);
      const entrypoint = f.runtime.instructions.filter((i) => keyword(i) === 'ENTRYPOINT').at(-1);
      expect(entrypoint?.getArgumentsContent() ?? '', f.image).toMatch(/^\["\/sbin\/tini", "--", /);
      for (const cmd of f.runtime.instructions.filter((i) => keyword(i) === 'CMD'))
        expect(cmd.getArgumentsContent(), f.image).toMatch(/^\[/);
    }
  });

  it('runtime base: pinned Alpine, nodejs and tini from apk, non-root user, /tmp 1777, the probe, a healthcheck', () => {
    expect(base.stages.map((s) => s.name)).toEqual(['os', 'packages-apk', 'packages-preinstalled', 'runtime']);
    const apk = base.stages[1] as Stage;
    expect(apk.instructions.map((i) => i.getArgumentsContent())).toEqual(['apk add --no-cache nodejs tini']);
    const runs = base.runtime.instructions.filter((i) => keyword(i) === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs.join('\n')).toContain('chmod 1777 /tmp');
    expect(lastUser(base.runtime)?.getArgumentsContent()).toBe('homelab');
    expect(base.runtime.instructions.some((i) => keyword(i) === 'HEALTHCHECK')).toBe(true);
    const copies = base.runtime.instructions.filter((i) => keyword(i) === 'COPY').map(argsOf);
    expect(copies).toEqual([['healthcheck.mjs', '/usr/local/lib/homelab/healthcheck.mjs']]);
    expect(existsSync(join(repoRoot, 'containerfiles/healthcheck.mjs'))).toBe(true);
  });

  it('keeps files that images copy from the context inside containerfiles/<image>/', () => {
    for (const f of files) {
      for (const stage of f.stages.filter((s) => s.name !== 'bundle-source' && s.name !== 'bundle-prebuilt')) {
        for (const c of stage.instructions.filter((i) => keyword(i) === 'COPY' && !flagsOf(i).get('from'))) {
          for (const src of argsOf(c).slice(0, -1)) expect(existsSync(join(repoRoot, src)), `${f.image}: ${src}`).toBe(true);
        }
      }
    }
  });
});
