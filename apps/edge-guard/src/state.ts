import { join } from 'node:path';
import { createStateFile, type StateFile } from '@homelab/core';
import { z } from 'zod';
import { parseTarget } from './address.js';

const target = z.string().refine((t) => parseTarget(t) === t, 'expected a canonical address or IPv6 /64');
const time = z.number().int().min(0);

const banSchema = z.object({
  target,
  rule: z.string().max(40),
  reason: z.string().max(300),
  at: time,
  until: time,
  offense: z.number().int().min(1),
});

const nameSchema = z.object({
  addresses: z.array(target).max(64),
  /** Last time DNS answered for the name (ms); the grace period counts from here. */
  lastOk: time,
});

export const stateSchema = z.object({
  version: z.literal(1),
  bans: z.array(banSchema).default([]),
  offenses: z.array(z.object({ target, count: z.number().int().min(1), last: time })).default([]),
  position: z.object({ ino: time, pos: time }).optional(),
  ddns: z.record(z.string().max(253), nameSchema).default({}),
});

export type GuardState = z.output<typeof stateSchema>;
export type NameRecord = z.output<typeof nameSchema>;

export const emptyState = (): GuardState => ({ version: 1, bans: [], offenses: [], ddns: {} });

export function stateFile(stateDir: string): StateFile<GuardState> {
  return createStateFile(join(stateDir, 'state.json'), stateSchema, emptyState());
}

/** `edge-guard unban` appends here; the daemon takes the file before each re-assertion. */
export const unbanSpoolPath = (stateDir: string) => join(stateDir, 'unban-requests');
