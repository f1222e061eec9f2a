import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appBundle, freePort, GIT_TEST_ENV, httpRequest, makeTempDir, startProcess, type TestProcess, waitFor } from '@homelab/testkit';

const run = promisify(execFile);

export interface Pool {
  root: string;
  pool: string;
  cgitrc: string;
  lighttpdConf: string;
  port: number;
  base: string;
  /** Runs a git-shell command through the bundled app; resolves with its exit code and output. */
  shell(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  git(args: string[], cwd?: string): Promise<string>;
  /** Pushes a commit with README.md and config/fabric.json (plus `extra` files) to a repo's main. */
  pushContent(name: string, extra?: Record<string, string>): Promise<void>;
  cgitConfigEnv: Record<string, string>;
}

export async function makePool(): Promise<Pool> {
  const root = await makeTempDir('cgit-web-');
  const pool = join(root, 'repos');
  await mkdir(pool);
  const port = await freePort();
  const p: Pool = {
    root,
    pool,
    cgitrc: join(root, 'cgitrc'),
    lighttpdConf: join(root, 'lighttpd.conf'),
    port,
    base: `http://127.0.0.1:${port}`,
    cgitConfigEnv: {
      CGIT_REPOS: pool,
      CGIT_CONFIG_OUT: join(root, 'cgitrc'),
      CGIT_LIGHTTPD_OUT: join(root, 'lighttpd.conf'),
      CGIT_HTTP_PORT: String(port),
      CGIT_HTTP_BIND: '127.0.0.1',
      CGIT_TITLE: 'test pool',
    },
    async shell(...args) {
      try {
        const { stdout, stderr } = await run(process.execPath, [appBundle('git-shell'), ...args], {
          env: { ...process.env, GIT_SHELL_REPOS: pool, HOME: root },
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
    async git(args, cwd = root) {
      return (await run('git', args, { cwd, env: { ...process.env, ...GIT_TEST_ENV } })).stdout;
    },
    async pushContent(name, extra = {}) {
      const work = await makeTempDir('cgit-work-');
      await p.git(['init', '-q', '-b', 'main', work]);
      const files: Record<string, string> = {
        'README.md': `# ${name}\n\nThe *${name}* repo.\n`,
        'config/fabric.json': `{"repo":"${name}"}\n`,
        ...extra,
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(join(work, file, '..'), { recursive: true });
        await writeFile(join(work, file), text);
      }
      await p.git(['add', '-A'], work);
      await p.git(['commit', '-q', '-m', `content of ${name}`], work);
      await p.git(['push', '-q', join(pool, `${name}.git`), 'main'], work);
    },
  };
  return p;
}

/** Starts real lighttpd in the foreground with the rendered config; waits until it answers. */
export async function startLighttpd(p: Pool): Promise<TestProcess> {
  const proc = startProcess('lighttpd', ['-D', '-f', p.lighttpdConf], { label: 'lighttpd' });
  await waitFor(
    async () => {
      if (proc.exitInfo) throw new Error(`lighttpd exited: ${proc.output}`);
      return (await httpRequest(`127.0.0.1:${p.port}`, '/cgit.css').catch(() => ({ status: 0 }))).status === 200;
    },
    { timeoutMs: 15_000, what: 'lighttpd to serve /cgit.css' },
  );
  return proc;
}

export function get(p: Pool, path: string) {
  return httpRequest(`127.0.0.1:${p.port}`, path, { timeoutMs: 15_000 });
}

/** The repo names the index page links to as repos (toplevel and grouped), and its section headers. */
export function indexRepos(html: string): { repos: string[]; sections: string[] } {
  const repos = [...html.matchAll(/<td class='(?:toplevel|sublevel)-repo'><a[^>]*href='\/([^']*)\/'>/g)].map((m) => m[1] as string);
  const sections = [...html.matchAll(/<td colspan='\d+' class='reposection'>([^<]*)<\/td>/g)].map((m) => m[1] as string);
  return { repos: repos.sort(), sections };
}

/** Every href/src/action value of a page. */
export function links(html: string): string[] {
  return [...html.matchAll(/(?:href|src|action)=['"]([^'"]*)['"]/g)].map((m) => m[1] as string);
}

/** `git clone` over http; resolves true when it worked. */
export async function canClone(p: Pool, name: string): Promise<boolean> {
  const target = await makeTempDir('cgit-clone-');
  try {
    await run('git', ['clone', '-q', `${p.base}/${name}`, join(target, 'c')], {
      env: { ...process.env, ...GIT_TEST_ENV },
      timeout: 30_000,
    });
    return true;
  } catch {
    return false;
  }
}

export async function renderOnce(p: Pool): Promise<void> {
  await run(process.execPath, [appBundle('cgit-config'), 'render'], { env: { ...process.env, ...p.cgitConfigEnv, LOG_LEVEL: 'warn' } });
}
