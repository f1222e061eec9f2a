import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createStateFile, errorMessage, type Logger, RuntimeError, StateFileError } from '@homelab/core';
import * as z from 'zod';
import type { StateStore } from './ports.js';

/** The summary of one run: persisted, shown by /healthz, sent to the webhook. */
export const runRecordSchema = z.object({
  id: z.string(),
  trigger: z.enum(['scheduled', 'now', 'after-leave', 'server-start']),
  status: z.enum(['success', 'failure', 'aborted']),
  startedAt: z.number(),
  finishedAt: z.number(),
  durationMs: z.number(),
  archive: z.string().optional(),
  /** Whether world saving was paused for the copy (false when the bridge was unreachable). */
  paused: z.boolean(),
  /** Why the run did not pause, when it did not. */
  unpausedReason: z.string().optional(),
  /** save-off to save-on, ms. */
  freezeMs: z.number().optional(),
  /** The step that failed, and why. */
  failedStep: z.string().optional(),
  error: z.string().optional(),
  /** Problems that did not fail the run (announcement, compact, notification). */
  warnings: z.array(z.string()).default([]),
  stats: z.object({ originalBytes: z.number(), compressedBytes: z.number(), deduplicatedBytes: z.number(), files: z.number() }).optional(),
  staged: z.object({ filesTransferred: z.number(), bytesTransferred: z.number() }).optional(),
  pruned: z.array(z.string()).optional(),
  steps: z.array(z.object({ step: z.string(), ms: z.number(), ok: z.boolean() })).default([]),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

export const backupStateSchema = z.object({
  version: z.literal(1),
  /** When this state folder was first used: "no run was due yet" is judged from here. */
  createdAt: z.number(),
  /** Set (and persisted) before save-off; cleared once save-on was acknowledged. */
  paused: z.object({ since: z.number(), pid: z.number(), run: z.string() }).nullable(),
  lastRun: runRecordSchema.nullable(),
  lastSuccess: runRecordSchema.nullable(),
  lastCheck: z.object({ at: z.number(), ok: z.boolean(), error: z.string().optional() }).nullable(),
});
export type BackupState = z.infer<typeof backupStateSchema>;

export function initialState(now: number): BackupState {
  return { version: 1, createdAt: now, paused: null, lastRun: null, lastSuccess: null, lastCheck: null };
}

/**
 * The state file in BACKUP_STATE_DIR. The first read persists `createdAt`, so the age of a fresh
 * installation survives restarts. An unreadable file may hide a paused flag: it is moved aside and
 * replaced by a state that owes save-on (sending save-on when saving is on is harmless), so no path
 * leaves the server with saving off until a person acts.
 */
export function createStateStore(path: string, now: () => number, log?: Pick<Logger, 'error'>): StateStore {
  const file = createStateFile(path, backupStateSchema, initialState(0));
  const write = async (state: BackupState) => {
    try {
      await mkdir(dirname(path), { recursive: true });
      await file.write(state);
    } catch (error) {
      // ENOSPC and friends name no path of their own.
      throw new RuntimeError(`cannot write state file ${path}: ${errorMessage(error)}`, 'STATE_UNWRITABLE', { cause: error });
    }
  };
  const recoverUnreadable = async (error: StateFileError): Promise<BackupState> => {
    const movedTo = `${path}.unreadable-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
    const moved = await rename(path, movedTo).then(
      () => movedTo,
      (e: unknown) => `not moved: ${errorMessage(e)}`,
    );
    log?.error(
      { file: path, movedTo: moved, problem: error.message },
      'state file unreadable; moved aside, sending save-on in case a run left saving off',
    );
    const fresh: BackupState = { ...initialState(now()), paused: { since: now(), pid: 0, run: 'unknown: the state file was unreadable' } };
    await write(fresh);
    return fresh;
  };
  const read = async () => {
    let state: BackupState;
    try {
      state = await file.read();
    } catch (error) {
      if (error instanceof StateFileError) return recoverUnreadable(error);
      throw error;
    }
    if (state.createdAt !== 0) return state;
    const fresh = { ...state, createdAt: now() };
    await write(fresh);
    return fresh;
  };
  return {
    read,
    async update(change) {
      const next = change(await read());
      await write(next);
      return next;
    },
  };
}

/** An in-memory store for tests and dry runs. */
export function memoryStateStore(initial: BackupState): StateStore & { current: BackupState } {
  const store = {
    current: structuredClone(initial),
    read: async () => structuredClone(store.current),
    update: async (change: (s: BackupState) => BackupState) => {
      store.current = change(structuredClone(store.current));
      return structuredClone(store.current);
    },
  };
  return store;
}
