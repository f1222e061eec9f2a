// cgit-config: render time for a pool of 5,000 repos (goal < 1 s), against the naive way of reading
// the metadata (one `git config` process per repo); the cost of that cgitrc in cgit itself; and the
// time from `mk` to the repo being served by cgit under lighttpd (goal < 2 s, the watcher's promise).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@homelab/core';
import { scanPool } from '@homelab/git-pool';
import { freePort, httpRequest, percentile, reportBench, sleep } from '@homelab/testkit';
import { type RenderTargets, renderOnce } from '../src/render.js';
import { defaultCgitrcSettings, renderCgitrc } from '../src/render-cgitrc.js';
import { defaultLighttpdSettings } from '../src/render-lighttpd.js';

const root = process.env.HOMELAB_REPO_ROOT ?? process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'bench-cgit-'));
const pool = join(dir, 'repos');
const REPOS = 5000;

/** A minimal bare repo (what the scan looks for), written directly: `git init` x 5,000 would take minutes. */
function fakeRepo(path: string, i: number): void {
  mkdirSync(join(path, 'objects'), { recursive: true });
  mkdirSync(join(path, 'refs', 'heads'), { recursive: true });
  writeFileSync(join(path, 'HEAD'), 'ref: refs/heads/main\n');
  const lines = ['[core]', '\trepositoryformatversion = 0', '\tbare = true'];
  if (i % 3 === 0) lines.push('[cgit]', '\tignore = true');
  lines.push('[gitweb]', `\tdescription = "repo number ${i}; with \\"quotes\\" and \\ttabs"`, `\towner = owner${i % 7}`);
  writeFileSync(join(path, 'config'), `${lines.join('\n')}\n`);
}

for (let i = 0; i < REPOS; i++) {
  const group = i % 2 === 0 ? `group${i % 50}/` : '';
  fakeRepo(join(pool, `${group}repo-${i}.git`), i);
}

const targets: RenderTargets = {
  pool,
  cgitrcOut: join(dir, 'cgitrc'),
  cgitrc: { ...defaultCgitrcSettings, pool },
  lighttpdOut: join(dir, 'lighttpd.conf'),
  lighttpd: { ...defaultLighttpdSettings, cgitrc: join(dir, 'cgitrc') },
};

// 1. Render time: scan + parse 5,000 configs + render (in memory), and the same plus the atomic
// write with its two fsyncs (a fresh file each run), which depends on the disk more than on us.
const log = silentLogger();
const times: number[] = [];
const withWrite: number[] = [];
for (let run = 0; run < 7; run++) {
  let started = performance.now();
  const scan = await scanPool(pool);
  renderCgitrc(scan.repos, targets.cgitrc);
  times.push(performance.now() - started);
  if (scan.repos.length !== REPOS) throw new Error(`scanned ${scan.repos.length} repos, expected ${REPOS}`);
  rmSync(targets.cgitrcOut, { force: true });
  started = performance.now();
  await renderOnce(targets, log);
  withWrite.push(performance.now() - started);
}
const renderMs = percentile(times, 50);

// Baseline: the same metadata read with one `git config --list` per repo, measured on 250 repos.
const SAMPLE = 250;
const naiveStart = performance.now();
for (let i = 0; i < SAMPLE; i++) {
  const group = i % 2 === 0 ? `group${i % 50}/` : '';
  spawnSync('git', ['config', '--file', join(pool, `${group}repo-${i}.git`, 'config'), '--list']);
}
const naiveMs = ((performance.now() - naiveStart) / SAMPLE) * REPOS;

reportBench([
  {
    bench: 'cgit-config',
    metric: `render ${REPOS} repos: scan + cgitrc text (p50 of 7)`,
    value: Math.round(renderMs),
    unit: 'ms',
    baseline: Math.round(naiveMs),
    baselineLabel: `git config per repo, ${SAMPLE} measured x${REPOS / SAMPLE}`,
    goal: '< 1000 ms',
    met: renderMs < 1000,
  },
  {
    bench: 'cgit-config',
    metric: `render ${REPOS} repos + atomic write with fsync (p50 of 7)`,
    value: Math.round(percentile(withWrite, 50)),
    unit: 'ms',
  },
]);

// 2. cgit itself reading that cgitrc: the index page as a plain CGI call.
const cgitTimes: number[] = [];
for (let run = 0; run < 5; run++) {
  const started = performance.now();
  const res = spawnSync(defaultLighttpdSettings.cgi, [], {
    env: {
      CGIT_CONFIG: targets.cgitrcOut,
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/',
      QUERY_STRING: '',
      SCRIPT_NAME: '/cgit.cgi',
      PATH: '/usr/bin:/bin',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  cgitTimes.push(performance.now() - started);
  if (res.status !== 0 || !String(res.stdout).includes('repo-1/')) throw new Error(`cgit index failed: ${res.stderr}`);
}
reportBench({
  bench: 'cgit-config',
  metric: `cgit index page, cgitrc with ${Math.ceil((REPOS * 2) / 3)} public repos (p50 of 5)`,
  value: Math.round(percentile(cgitTimes, 50)),
  unit: 'ms',
});

// 3. mk -> served: git-shell `mk` on this pool until cgit (via lighttpd) answers 200 for the repo.
const port = await freePort();
const gitShell = join(root, 'apps/git-shell/dist/main.js');
const cgitConfig = join(root, 'apps/cgit-config/dist/main.js');
const env = {
  ...process.env,
  CGIT_REPOS: pool,
  CGIT_CONFIG_OUT: targets.cgitrcOut,
  CGIT_LIGHTTPD_OUT: join(dir, 'lighttpd.conf'),
  CGIT_HTTP_PORT: String(port),
  CGIT_HTTP_BIND: '127.0.0.1',
  CGIT_RESCAN_INTERVAL: '0s',
  HEALTH_LISTEN: join(dir, 'health.sock'),
  LOG_LEVEL: 'warn',
  GIT_SHELL_REPOS: pool,
};
const service = spawn(process.execPath, [cgitConfig, 'run'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
let lighttpd: ReturnType<typeof spawn> | undefined;
try {
  for (;;) {
    const res = await httpRequest(env.HEALTH_LISTEN, '/readyz', { timeoutMs: 1000 }).catch(() => undefined);
    if (res?.status === 200) break;
    if (service.exitCode !== null) throw new Error('cgit-config exited');
    await sleep(50);
  }
  lighttpd = spawn('lighttpd', ['-D', '-f', env.CGIT_LIGHTTPD_OUT], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    const res = await httpRequest(`127.0.0.1:${port}`, '/cgit.css', { timeoutMs: 1000 }).catch(() => undefined);
    if (res?.status === 200) break;
    await sleep(50);
  }
  const served: number[] = [];
  const afterMk: number[] = [];
  const mkOnly: number[] = [];
  for (let run = 0; run < 5; run++) {
    const name = `fresh/bench-${run}`;
    const started = performance.now();
    const mk = spawnSync(process.execPath, [gitShell, 'mk', name], { env });
    if (mk.status !== 0) throw new Error(`mk failed: ${mk.stderr}`);
    const mkDone = performance.now();
    mkOnly.push(mkDone - started);
    for (;;) {
      const res = await httpRequest(`127.0.0.1:${port}`, `/${name}/`, { timeoutMs: 5000 });
      if (res.status === 200) break;
      if (performance.now() - started > 30_000) throw new Error(`${name} not served after 30 s`);
      await sleep(10);
    }
    served.push(performance.now() - started);
    afterMk.push(performance.now() - mkDone);
    await sleep(500);
  }
  const afterMs = percentile(afterMk, 50);
  reportBench([
    {
      bench: 'cgit-config',
      metric: `mk done -> served by cgit, pool of ${REPOS} (p50 of 5)`,
      value: Math.round(afterMs),
      unit: 'ms',
      goal: '< 2000 ms',
      met: afterMs < 2000,
    },
    {
      bench: 'cgit-config',
      metric: 'mk started -> served (incl. the mk process)',
      value: Math.round(percentile(served, 50)),
      unit: 'ms',
      baseline: Math.round(percentile(mkOnly, 50)),
      baselineLabel: 'the mk command alone',
    },
  ]);
} finally {
  lighttpd?.kill('SIGTERM');
  service.kill('SIGTERM');
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
}
