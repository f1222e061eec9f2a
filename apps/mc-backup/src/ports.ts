/**
 * The small interfaces the backup sequence drives. The real ones are thin wrappers around the RCON
 * client, borg and rsync; unit tests pass recording fakes.
 */
import type { KeepCounts } from './retention.js';
import type { BackupState } from './state.js';

export interface CommandOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** One RCON connection (to the bridge's backup socket or a server). */
export interface Rcon {
  /** Sends one command and resolves to the server's full reply. */
  command(text: string, opts?: CommandOptions): Promise<string>;
  close(): Promise<void>;
}

/** Opens RCON connections; rejects when the endpoint is unreachable or refuses the login. */
export interface RconConnector {
  connect(opts?: CommandOptions): Promise<Rcon>;
}

export interface ArchiveStats {
  name: string;
  originalBytes: number;
  compressedBytes: number;
  deduplicatedBytes: number;
  files: number;
  /** borg exited with its warning code 1 (e.g. a file changed while read). */
  warning?: string;
}

export interface ArchiveInfo {
  name: string;
  /** Start time, ms since the epoch. */
  time: number;
}

/** The repository operations one backup run needs. */
export interface Borg {
  /** Creates an archive of `dir` (paths inside the archive are relative to it). */
  create(archive: string, dir: string, signal?: AbortSignal): Promise<ArchiveStats>;
  prune(keep: KeepCounts, signal?: AbortSignal): Promise<{ pruned: string[] }>;
  compact(signal?: AbortSignal): Promise<void>;
}

export interface StageStats {
  filesTransferred: number;
  bytesTransferred: number;
}

/** Copies the changed files of the world into the persistent staging folder. */
export interface Stager {
  /** Optional, while saving is still on: copies the bulk of the changes; copies may be torn. */
  precopy?(signal?: AbortSignal): Promise<StageStats>;
  /** While saving is off and flushed (or nothing writes): makes staging an exact, whole copy. */
  stage(signal?: AbortSignal): Promise<StageStats>;
}

export interface StateStore {
  read(): Promise<BackupState>;
  update(change: (current: BackupState) => BackupState): Promise<BackupState>;
}
