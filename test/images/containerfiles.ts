import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { repoRoot } from './podman-sandbox.js';

export const containerfilesDir = join(repoRoot, 'containerfiles');

export interface Stage {
  /** `AS name`, if any. */
  name: string | undefined;
  /** The FROM argument as written, e.g. `${RUNTIME_BASE}` or `bundle-${BUNDLE}`. */
  from: string;
  /** The FROM argument with the file's ARG defaults filled in. */
  fromResolved: string;
  instructions: Instruction[];
}

export interface Containerfile {
  /** The image name: the file name without `.Containerfile` (= the container of the notes' table 1). */
  image: string;
  path: string;
  text: string;
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
  /** The last stage: what the image is. */
  runtime: Stage;
  /** `LABEL homelab.app=...` of the runtime stage (undefined for the runtime base). */
  app: string | undefined;
  /** `LABEL homelab.tool=...`: an image of a tool alone (rproxy-edge: Caddy), with no app bundle. */
  tool: string | undefined;
  lines: string[];
}

export function containerfileNames(): string[] {
  return readdirSync(containerfilesDir)
    .filter((f) => f.endsWith('.Containerfile'))
    .map((f) => f.replace(/\.Containerfile$/, ''))
    .sort();
}

/** Every app image's Containerfile (all but the runtime base). */
export function appContainerfiles(): Containerfile[] {
  return containerfileNames()
    .filter((n) => n !== 'runtime-base')
    .map((name) => parseContainerfile(name));
}

const fill = (value: string, args: Map<string, string | undefined>) =>
  value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? '');

/** Parses containerfiles/<image>.Containerfile, or `text` as if it were that file. */
export function parseContainerfile(image: string, text?: string): Containerfile {
  const path = join(containerfilesDir, `${image}.Containerfile`);
  text ??= readFileSync(path, 'utf8');
  const doc = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const instruction of doc.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const from = args[0] ?? '';
      const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({ name: asIndex >= 0 ? args[asIndex + 1] : undefined, from, fromResolved: fill(from, globalArgs), instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [name, ...rest] = (instruction.getArgumentsContent() ?? '').split('=');
        globalArgs.set((name ?? '').trim(), rest.length > 0 ? rest.join('=').trim() : undefined);
      }
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  const runtime = stages.at(-1);
  if (!runtime) throw new Error(`${path}: no FROM`);
  const label = runtime.instructions.find((i) => i.getKeyword() === 'LABEL' && /homelab\.app=/.test(i.getArgumentsContent() ?? ''));
  const app = label ? /homelab\.app="?([\w-]+)"?/.exec(label.getArgumentsContent() ?? '')?.[1] : undefined;
  const toolLabel = runtime.instructions.find((i) => i.getKeyword() === 'LABEL' && /homelab\.tool=/.test(i.getArgumentsContent() ?? ''));
  const tool = toolLabel ? /homelab\.tool="?([\w-]+)"?/.exec(toolLabel.getArgumentsContent() ?? '')?.[1] : undefined;
  return { image, path, text, globalArgs, stages, runtime, app, tool, lines: text.split('\n') };
}

export const keyword = (i: Instruction) => i.getKeyword();
export const argsOf = (i: Instruction) => i.getArguments().map((a) => a.getValue());
export const flagsOf = (i: Instruction): Map<string, string | null> => {
  const flags = (i as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags?.() ?? [];
  return new Map(flags.map((f) => [f.getName(), f.getValue()]));
};

/** The comment lines directly above an instruction (what a reader sees as its explanation). */
export function commentAbove(file: Containerfile, instruction: Instruction): string {
  const out: string[] = [];
  for (let line = instruction.getRange().start.line - 1; line >= 0; line--) {
    const text = file.lines[line]?.trim() ?? '';
    if (!text.startsWith('#')) break;
    out.unshift(text.replace(/^#\s?/, ''));
  }
  return out.join(' ');
}

/** Whether the app's src/main.ts is still the placeholder that exits 1 with "not built yet". */
export function isPlaceholderApp(app: string): boolean {
  const main = readFileSync(join(repoRoot, 'apps', app, 'src', 'main.ts'), 'utf8');
  return /not built yet/.test(main) && main.split('\n').length < 8;
}
