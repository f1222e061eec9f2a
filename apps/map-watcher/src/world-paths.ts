/**
 * Which paths of a Minecraft world the renderer reads. Pure: paths are relative to the world folder,
 * `/`-separated. A dimension root is the world itself, `DIM-1`/`DIM1` (vanilla nether/end) or any
 * folder below `dimensions/<namespace>/` (datapack and modded dimensions, names may nest).
 */
export const INPUT_DIRS: ReadonlySet<string> = new Set(['region', 'entities', 'data', 'playerdata']);

const VANILLA_DIMENSION = /^DIM-?\d+$/;

/** Names Minecraft and editors use while a file is being written or replaced. */
const TEMP_NAME = [/^session\.lock$/, /^\./, /\.tmp$/i, /\.temp$/i, /\.part$/i, /~$/, /_old$/, /\.swp$/, /-\d+\.dat$/];

export function isTempName(name: string): boolean {
  return TEMP_NAME.some((pattern) => pattern.test(name));
}

function segments(rel: string): string[] {
  return rel.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

function isDimensionRoot(prefix: readonly string[]): boolean {
  if (prefix.length === 0) return true;
  if (prefix.length === 1) return VANILLA_DIMENSION.test(prefix[0] as string);
  return prefix[0] === 'dimensions' && prefix.length >= 3;
}

/** True for a file or folder the renderer reads: anything inside an input folder of a dimension. */
export function isRenderInput(rel: string): boolean {
  const parts = segments(rel);
  if (parts.length === 0 || isTempName(parts[parts.length - 1] as string)) return false;
  for (let i = 0; i < parts.length; i++) {
    if (INPUT_DIRS.has(parts[i] as string) && isDimensionRoot(parts.slice(0, i))) return true;
  }
  return false;
}

/** True for an input folder directly below a dimension root (`region`, `DIM-1/entities`, ...). */
export function isInputRoot(rel: string): boolean {
  const parts = segments(rel);
  return parts.length > 0 && INPUT_DIRS.has(parts[parts.length - 1] as string) && isDimensionRoot(parts.slice(0, -1));
}

/** True for a folder that has to be traversed to reach inputs (world root, dimension roots). */
export function mayContainInputs(rel: string): boolean {
  const parts = segments(rel);
  if (parts.length === 0) return true;
  if (isTempName(parts[parts.length - 1] as string)) return false;
  if (parts[0] === 'dimensions') return true;
  return parts.length === 1 && VANILLA_DIMENSION.test(parts[0] as string);
}
