import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildImage, sh, TEST_REPO } from '../../../test/images/image-runner.js';
import { PodmanSandbox } from '../../../test/images/podman-sandbox.js';
import { buildSubstituteRootfs, substituteTools } from '../../../test/images/substitute-rootfs.js';
import { labctlBin, repoRoot } from './lab-netns.js';

/**
 * The lab run by `labctl up` for real: podman in the image tests' sandbox (its storage, volumes,
 * events and run state in one temp folder), the app images built from their Containerfiles on the
 * locally made substitute base, labctl inside a namespace of the test that stands in for the host.
 *
 */
export interface LabImages {
  sandbox: PodmanSandbox;
  /** The substitute base. */
  base: string;
  /** app image -> tag */
  tags: Record<string, string>;
}

/** Creates the sandbox (with podman events kept), imports the substitute base and builds `images`. */
export async function buildLabImages(images: readonly string[]): Promise<LabImages> {
  const sandbox = await PodmanSandbox.create({ events: 'file' });
  try {
    const base = `${TEST_REPO}/substitute-rootfs:${process.pid}`;
    const rootfs = join(sandbox.dir, 'rootfs');
    mkdirSync(rootfs);
    buildSubstituteRootfs(rootfs, substituteTools());
    await sandbox.importDir(rootfs, base);
    await sh('rm', ['-rf', rootfs]);
    const tags: Record<string, string> = {};
    for (const image of images) tags[image] = (await buildImage(sandbox, image, base)).tag;
    return { sandbox, base, tags };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tests patch the free-form YAML tree of lab.yaml
export type RawLab = Record<string, any>;

export function readRawLab(): RawLab {
  return parse(readFileSync(join(repoRoot, 'lab/lab.yaml'), 'utf8')) as RawLab;
}

export async function writeLab(dir: string, raw: RawLab): Promise<string> {
  const file = join(dir, 'lab.yaml');
  await writeFile(file, stringify(raw));
  return file;
}

export type Labctl = (args: string[], timeoutMs?: number) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * labctl with the sandboxed podman first on PATH, run in the test's host namespace (nsenter joins only
 * the network namespace, so `ip netns attach` mounts land where the test and later calls see them).
 */
export function labctlIn(hostNs: string, sandbox: PodmanSandbox, common: string[]): Labctl {
  return (args, timeoutMs = 300_000) =>
    new Promise((resolve) => {
      execFile(
        'nsenter',
        [`--net=/run/netns/${hostNs}`, '--', process.execPath, labctlBin, ...args, ...common],
        {
          env: { ...process.env, PATH: `${sandbox.bin}:${process.env.PATH ?? ''}` },
          timeout: timeoutMs,
          cwd: repoRoot,
          encoding: 'utf8',
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
}

/** The testkit's fake Minecraft server (no Java here), bound into mc-server as its supervised child. */
export function fakeMinecraft(): string {
  const fake = join(repoRoot, 'packages/testkit/dist/fake-minecraft.js');
  if (!existsSync(fake)) throw new Error(`${fake} is missing: run "npx turbo run build --filter=@homelab/testkit" first`);
  return fake;
}

/** The testkit's fake little-a-map renderer (the real one is no package anywhere here). */
export function fakeLittleAMap(): string {
  const fake = join(repoRoot, 'packages/testkit/dist/fake-little-a-map.js');
  if (!existsSync(fake)) throw new Error(`${fake} is missing: run "npx turbo run build --filter=@homelab/testkit" first`);
  return fake;
}
