import { createStateFile } from '@homelab/core';
import { z } from 'zod';

const schema = z.object({
  version: z.literal(1),
  online: z.array(z.string()),
  lastPlayedAt: z.number().nullable(),
  lastLeaveAt: z.number().nullable(),
  serverStartAt: z.number().nullable(),
  /** The last log line handled: the history of a new log connection is handled after it. */
  lastLine: z.string().nullable(),
  /** The last scheduled run skipped because nobody played: readiness counts it as fresh. */
  lastNoPlaySkipAt: z.number().nullable(),
});
export type PresenceFile = z.infer<typeof schema>;

export const initialPresence: PresenceFile = {
  version: 1,
  online: [],
  lastPlayedAt: null,
  lastLeaveAt: null,
  serverStartAt: null,
  lastLine: null,
  lastNoPlaySkipAt: null,
};

/** BACKUP_STATE_DIR/presence.json, written atomically on every change. */
export function createPresenceStore(path: string) {
  return createStateFile(path, schema, initialPresence);
}
