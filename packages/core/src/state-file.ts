import { readFile } from 'node:fs/promises';
import type * as z from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import { errorMessage, RuntimeError } from './errors.js';

/** A small JSON document persisted atomically: survives crashes, validated when read. */
export interface StateFile<T> {
  read(): Promise<T>;
  write(value: T): Promise<void>;
  update(change: (current: T) => T): Promise<T>;
}

export class StateFileError extends RuntimeError {
  override readonly name = 'StateFileError';
}

export function createStateFile<S extends z.ZodType>(path: string, schema: S, initial: z.output<S>): StateFile<z.output<S>> {
  type T = z.output<S>;
  const read = async (): Promise<T> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(initial);
      throw new StateFileError(`cannot read state file ${path}: ${errorMessage(error)}`, 'STATE_UNREADABLE', { cause: error });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new StateFileError(`state file ${path} is not valid JSON: ${errorMessage(error)}`, 'STATE_CORRUPT', { cause: error });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new StateFileError(`state file ${path} does not match its schema: ${parsed.error.issues[0]?.message}`, 'STATE_CORRUPT');
    }
    return parsed.data;
  };
  const write = (value: T) => writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  return {
    read,
    write,
    async update(change) {
      const next = change(await read());
      await write(next);
      return next;
    },
  };
}
