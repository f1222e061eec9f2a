import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createNetns, ip } from '@homelab/testkit';
import { parse, stringify } from 'yaml';

/** Test support: the committed lab wired into named namespaces, plus a WAN client namespace. */

const exec = promisify(execFile);
export const repoRoot = process.env.HOMELAB_REPO_ROOT ?? fileURLToPath(new URL('../../../', import.meta.url));
export const labctlBin = join(repoRoot, 'apps/labctl/dist/main.js');
export const WAN_HOST_IP = '198.51.100.1';
export const WAN_CLIENT_IP = '198.51.100.2';

export interface TestLab {
  /** netns name prefix given to labctl (`<prefix><end>`). */
  prefix: string;
  ns: (end: string) => string;
  wan: string;
  labFile: string;
  raw: Record<string, unknown>;
}

/** Every end of lab.yaml's links (the host and each linked container). */
export function linkedEnds(raw: { links: { a: { end: string }; b: { end: string } }[] }): string[] {
  return [...new Set(raw.links.flatMap((l) => [l.a.end, l.b.end]))];
}

/**
 * Creates one namespace per linked container, one for the host and one for a WAN client joined
 * to the host by a veth pair named like the host's WAN interface; writes a copy of lab.yaml with
 * `patch` applied. Namespaces are removed by the testkit's removeNetnses (useCleanup).
 */
// biome-ignore lint/suspicious/noExplicitAny: tests patch the free-form YAML tree of lab.yaml
type RawLab = Record<string, any>;

export async function createTestLab(dir: string, tag: string, patch: (raw: RawLab) => void = () => {}): Promise<TestLab> {
  const prefix = `${tag}-`;
  const raw = parse(readFileSync(join(repoRoot, 'lab/lab.yaml'), 'utf8')) as RawLab;
  patch(raw);
  const ns = (end: string) => `${prefix}${end}`;
  for (const end of linkedEnds(raw as never)) createNetns(ns(end));
  const wan = createNetns(`${prefix}wan`);
  const wanIf = (raw.host?.wan_interface as string | undefined) ?? 'eth0';
  ip(['link', 'add', 'name', wanIf, 'netns', ns('host'), 'type', 'veth', 'peer', 'name', wanIf, 'netns', wan]);
  await batch(ns('host'), [`addr add ${WAN_HOST_IP}/24 dev ${wanIf}`, `link set ${wanIf} up`]);
  await batch(wan, [`addr add ${WAN_CLIENT_IP}/24 dev ${wanIf}`, `link set ${wanIf} up`]);
  const labFile = join(dir, 'lab.yaml');
  await writeFile(labFile, stringify(raw));
  return { prefix, ns, wan, labFile, raw };
}

export function batch(netns: string, lines: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', ['-n', netns, '-batch', '-'], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

/** Runs a command in a namespace; resolves with its exit code and output, never throws on a non-zero exit. */
export async function nsRun(
  netns: string,
  command: string,
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('ip', ['netns', 'exec', netns, command, ...args], {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

export async function labctl(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [labctlBin, ...args], { timeout: timeoutMs, cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export const ping = async (netns: string, target: string, waitS = 2) =>
  (await nsRun(netns, 'ping', ['-n', '-c', '1', '-W', String(waitS), target])).code === 0;
