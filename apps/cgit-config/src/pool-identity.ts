import { stat } from 'node:fs/promises';

/** What is at the pool's path: a folder with its identity, or why there is no watchable folder. */
export type PoolIdentity = { kind: 'dir'; dev: number; ino: number } | { kind: 'absent'; why: string };

/** Pure: what to do with the watch, given the folder it watches (undefined: none) and the folder at the path now. */
export function watchAction(
  armed: { dev: number; ino: number } | undefined,
  now: PoolIdentity,
  broken: boolean,
): 'keep' | 'arm' | 'disarm' {
  if (now.kind === 'absent') return armed === undefined ? 'keep' : 'disarm';
  if (armed === undefined || broken) return 'arm';
  return armed.dev === now.dev && armed.ino === now.ino ? 'keep' : 'arm';
}

export async function poolIdentity(pool: string): Promise<PoolIdentity> {
  try {
    const s = await stat(pool);
    if (!s.isDirectory()) return { kind: 'absent', why: `the pool ${pool} is not a folder` };
    return { kind: 'dir', dev: s.dev, ino: s.ino };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: 'absent', why: code === 'ENOENT' ? `the pool folder ${pool} is missing` : `cannot stat the pool ${pool}: ${code}` };
  }
}
