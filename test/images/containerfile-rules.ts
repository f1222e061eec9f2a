import type { Instruction } from 'dockerfile-ast';
import { argsOf, type Containerfile, commentAbove, flagsOf, keyword, type Stage } from './containerfiles.js';

/**
 * The rules every app image's Containerfile keeps (DESIGN.md section 7), as a pure check that lists
 * the problems it finds, each starting with the rule's name: `multi-stage`, `pinned`, `bundle-only`,
 * `code-cache`, `non-root`, `healthcheck`, `entrypoint`.
 */
export function appImageProblems(f: Containerfile): string[] {
  const problems: string[] = [];
  const names = new Set(f.stages.map((s) => s.name).filter(Boolean));
  const stage = (name: string) => f.stages.find((s) => s.name === name);
  const runtime = f.runtime;
  const app = f.app;
  // A tool image (homelab.tool, no app) has no bundle: only the package variants and the runtime.
  const toolOnly = !app && f.tool !== undefined;
  if (!app && !toolOnly) problems.push('label: the runtime stage has no LABEL homelab.app="<app>" (nor homelab.tool="<tool>")');
  if (app && f.tool) problems.push('label: both homelab.app and homelab.tool');

  // multi-stage: a builder that runs npm ci and the turbo build of just this app; selectable variants.
  const required = toolOnly
    ? ['packages-apk', 'packages-preinstalled', 'runtime']
    : ['bundle-source', 'bundle-prebuilt', 'bundle', 'packages-apk', 'packages-preinstalled', 'runtime'];
  for (const name of required) {
    if (!names.has(name)) problems.push(`multi-stage: no stage ${name}`);
  }
  if (toolOnly) {
    for (const name of ['bundle-source', 'bundle-prebuilt', 'bundle'])
      if (names.has(name)) problems.push(`multi-stage: a tool image with stage ${name}`);
  }
  if (runtime.name !== 'runtime') problems.push('multi-stage: the last stage is not `runtime`');
  const builderRuns = runsOf(stage('bundle-source'));
  if (!toolOnly && !/\bnpm ci\b/.test(builderRuns)) problems.push('multi-stage: the builder does not run npm ci');
  if (!toolOnly && !builderRuns.includes(`turbo run build --filter=@homelab/${app}`))
    problems.push('multi-stage: the builder does not run the turbo build of the app');
  if (!/apk add --no-cache /.test(runsOf(stage('packages-apk')))) problems.push('multi-stage: packages-apk installs nothing from Alpine');
  for (const s of f.stages.filter((st) => /\$\{\w+\}/.test(st.from) && !/^\$\{\w+\}$/.test(st.from))) {
    if (!names.has(s.fromResolved)) problems.push(`multi-stage: FROM ${s.from} resolves to ${s.fromResolved}, not a stage`);
  }

  // pinned: every FROM that names an image has a digest or a version tag.
  for (const s of f.stages) {
    if (s.fromResolved === 'scratch' || names.has(s.fromResolved)) continue;
    if (!isPinned(s.fromResolved)) problems.push(`pinned: ${s.from} -> "${s.fromResolved}" has neither a digest nor a version tag`);
  }

  // bundle-only: the runtime stage copies the bundle (the app's dist/: launcher, payload, code cache), other stages' tools, containerfiles/<image>/ files
  // and the lighttpd config labctl renders for the image's container.
  const copies = runtime.instructions.filter((i) => keyword(i) === 'COPY' || keyword(i) === 'ADD');
  for (const c of copies.filter((i) => keyword(i) === 'ADD')) problems.push(`bundle-only: ADD ${c.getArgumentsContent()}`);
  const fromBundle = copies.filter((c) => flagsOf(c).get('from') === 'bundle');
  if (fromBundle.length !== (toolOnly ? 0 : 1))
    problems.push(`bundle-only: ${fromBundle.length} COPY --from=bundle (expected ${toolOnly ? 0 : 1})`);
  for (const c of fromBundle) {
    const sources = argsOf(c).slice(0, -1);
    if (sources.join(' ') !== `/src/apps/${app}/dist/`) problems.push(`bundle-only: COPY --from=bundle ${sources.join(' ')}`);
    if (argsOf(c).at(-1) !== `/usr/local/lib/homelab/${app}/`)
      problems.push(`bundle-only: the bundle goes to /usr/local/lib/homelab/${app}/`);
  }
  // code-cache: the image's node writes the bundle's code caches (V8 refuses one of another node),
  // with the image's NODE_OPTIONS (the sidecar) and without (what sshd starts: rsync gate, git-shell).
  const write = `HOMELAB_CODE_CACHE=write node /usr/local/lib/homelab/${app}/main.js --help`;
  const runs = runsOf(runtime);
  if (!toolOnly && !runs.replaceAll(`NODE_OPTIONS= ${write}`, '').includes(write))
    problems.push(`code-cache: the runtime stage does not run ${write} (with the image's NODE_OPTIONS)`);
  if (!toolOnly && !runs.includes(`NODE_OPTIONS= ${write}`))
    problems.push(`code-cache: the runtime stage does not run NODE_OPTIONS= ${write}`);
  for (const c of copies.filter((x) => keyword(x) === 'COPY' && !fromBundle.includes(x))) {
    const from = flagsOf(c).get('from');
    if (from) {
      if (!names.has(from) || from.startsWith('bundle')) problems.push(`bundle-only: COPY --from=${from}`);
    } else {
      for (const src of argsOf(c).slice(0, -1)) {
        // The image's own files, or the config labctl renders for this container (one source per rendered file).
        const allowed = src.startsWith(`containerfiles/${f.image}/`) || src === `compose/lighttpd/${f.image}.conf`;
        if (!allowed) problems.push(`bundle-only: COPY ${src} from the build context`);
      }
    }
  }
  const prebuilt = stage('bundle-prebuilt');
  if (
    prebuilt &&
    (prebuilt.from !== 'scratch' ||
      prebuilt.instructions.map((i) => i.getArgumentsContent()).join('\n') !== `apps/${app}/dist/ /src/apps/${app}/dist/`)
  ) {
    problems.push('bundle-only: bundle-prebuilt must be FROM scratch with only the COPY of the bundle');
  }

  // non-root: the final USER is not root, or says why in a comment directly above it.
  const user = runtime.instructions.filter((i) => keyword(i) === 'USER').at(-1);
  if (!user) problems.push('non-root: no USER in the runtime stage');
  else {
    const name = (user.getArgumentsContent() ?? '').split(':')[0];
    if ((name === 'root' || name === '0') && !/^Root on purpose: .{40,}/.test(commentAbove(f, user))) {
      problems.push('non-root: USER root without a "Root on purpose: <why>" comment above it');
    }
  }

  // healthcheck: exactly one, exec form, the shared probe, with an interval and a timeout.
  const checks = runtime.instructions.filter((i) => keyword(i) === 'HEALTHCHECK');
  if (checks.length !== 1) problems.push(`healthcheck: ${checks.length} HEALTHCHECK in the runtime stage (expected 1)`);
  for (const c of checks) {
    const line = lineOf(f, c);
    if (!/--interval=\d+s --timeout=\d+s/.test(line)) problems.push('healthcheck: no --interval/--timeout');
    if (!/CMD \["node", "\/usr\/local\/lib\/homelab\/healthcheck\.mjs"/.test(line)) problems.push('healthcheck: not the exec-form probe');
  }

  // entrypoint: tini as PID 1, exec form; CMD in exec form.
  const entrypoint = runtime.instructions.filter((i) => keyword(i) === 'ENTRYPOINT').at(-1);
  if (!/^\["\/sbin\/tini", "--", /.test(entrypoint?.getArgumentsContent() ?? ''))
    problems.push('entrypoint: not ["/sbin/tini", "--", ...]');
  for (const cmd of runtime.instructions.filter((i) => keyword(i) === 'CMD')) {
    if (!(cmd.getArgumentsContent() ?? '').startsWith('[')) problems.push('entrypoint: CMD in shell form');
  }
  return problems;
}

/** A digest, or a tag with a version number (never `latest`). */
export function isPinned(ref: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const tag = /:([^/@:]+)$/.exec(ref)?.[1];
  return tag !== undefined && tag !== 'latest' && /\d/.test(tag);
}

function runsOf(stage: Stage | undefined): string {
  return (stage?.instructions ?? [])
    .filter((i) => keyword(i) === 'RUN')
    .map((i) => i.getArgumentsContent() ?? '')
    .join('\n');
}

function lineOf(f: Containerfile, i: Instruction): string {
  const { start, end } = i.getRange();
  return f.lines.slice(start.line, end.line + 1).join(' ');
}
