import {
  checkAbsolutePath,
  checkedString,
  checkRelativePath,
  commonEnvShape,
  configValues,
  duration,
  type EnvDoc,
  isWithin,
  type SidecarEnv,
} from '@homelab/core';
import * as z from 'zod';
import { BCRYPT_HASH, checkListenAddress, SECRET_KEY, SHARE_NAME, sharePath, UI_NAME } from './grammar.js';

const absPath = () => checkedString(checkAbsolutePath);
const relPath = () => checkedString((v) => checkRelativePath(v, 'the datastore'));

export const envSchema = z.object({
  ...commonEnvShape,
  FILESTASH_CONFIG: absPath().default('/etc/filestash-config/web.yaml'),
  FILESTASH_CONFIG_OUT: absPath().default('/app/data/state/config/config.json'),
  FILESTASH_LISTEN_ADDRESS: z
    .ipv4({ message: 'expected an IPv4 address' })
    .superRefine((v, ctx) => {
      const problem = checkListenAddress(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('10.1.3.1'),
  FILESTASH_PORT: configValues.port().default(8334),
  FILESTASH_ADMIN_HASH: z.string({ message: 'required: the bcrypt hash of the admin password' }).regex(BCRYPT_HASH, {
    message: 'expected a bcrypt hash ($2a$/$2b$/$2y$, cost 04-31, 53 characters after it)',
  }),
  FILESTASH_SECRET_KEY: z
    .string({ message: "required: filestash's secret key (16 letters or digits)" })
    .regex(SECRET_KEY, { message: 'expected 16 letters or digits (filestash refuses anything else)' }),
  FILESTASH_BINARY: absPath().default('/app/filestash'),
  FILESTASH_RUN: configValues.bool().default(true),
  FILESTASH_MOUNTINFO: absPath().default('/proc/self/mountinfo'),
  FILESTASH_DEBOUNCE: duration({ min: 0 }).default(300),
  FILESTASH_RECHECK_INTERVAL: duration({ min: 1_000 }).default(30_000),
});

export type FilestashEnv = z.output<typeof envSchema>;

export const SECRETS = ['FILESTASH_ADMIN_HASH', 'FILESTASH_SECRET_KEY'] as const;

export const envDocs: EnvDoc[] = [
  { name: 'FILESTASH_CONFIG', description: 'the shares YAML (see README)', default: '/etc/filestash-config/web.yaml' },
  {
    name: 'FILESTASH_CONFIG_OUT',
    description: "filestash's config.json (written atomically, 0600; filestash reads it from <its folder>/data/state/config)",
    default: '/app/data/state/config/config.json',
  },
  {
    name: 'FILESTASH_LISTEN_ADDRESS',
    description: 'the private hub address filestash is served on (the zfs-web end of v-zfs-web); never 0.0.0.0',
    default: '10.1.3.1',
  },
  { name: 'FILESTASH_PORT', description: "filestash's port (general.port)", default: '8334' },
  {
    name: 'FILESTASH_ADMIN_HASH',
    description: 'bcrypt hash of the admin password (secret; or FILESTASH_ADMIN_HASH_FILE); the local shares log in with it',
  },
  { name: 'FILESTASH_SECRET_KEY', description: "filestash's session key, 16 letters or digits (secret; or FILESTASH_SECRET_KEY_FILE)" },
  { name: 'FILESTASH_BINARY', description: 'the filestash binary run as our child', default: '/app/filestash' },
  {
    name: 'FILESTASH_RUN',
    description: 'run filestash as a child and restart it after each changed render (false: render only)',
    default: 'true',
  },
  {
    name: 'FILESTASH_MOUNTINFO',
    description: 'where the mounts are read from (each share must sit on a mount of its access: ro or rw)',
    default: '/proc/self/mountinfo',
  },
  { name: 'FILESTASH_DEBOUNCE', description: 'quiet time after a change of the shares YAML before re-rendering', default: '300ms' },
  {
    name: 'FILESTASH_RECHECK_INTERVAL',
    description: 'the datastore, mounts and shares are also checked (and re-rendered) this often',
    default: '30s',
  },
];

export const filestashEnv: SidecarEnv<typeof envSchema> = {
  schema: envSchema,
  prefixes: ['FILESTASH_'],
  secrets: SECRETS,
  docs: envDocs,
};

const shareSchema = z
  .object({
    name: z.string().regex(SHARE_NAME, 'expected a share name: a-z first, then a-z 0-9 _ -, at most 32'),
    path: relPath().default(''),
    access: z.enum(['ro', 'rw']).default('ro'),
  })
  .strict();

/** The one share every declaration without `shares` gets: the whole datastore, read-only. */
export const DEFAULT_SHARES = [{ name: 'storage', path: '', access: 'ro' as const }];

export const sharesFileSchema = z
  .object({
    name: z.string().regex(UI_NAME, 'expected letters, digits, space and ._- (at most 40)').default('isidore'),
    datastore: absPath().default('/srv/storage'),
    /** Paths that are never exposed (the backup pool): the datastore and every share are checked against them. */
    backup_pool: z.array(absPath()).default(['/zfs/backup']),
    shares: z.array(shareSchema).min(1, 'expected at least one share (leave `shares` out for the whole datastore, read-only)').optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const [i, pool] of file.backup_pool.entries()) {
      if (pool === '/') ctx.addIssue({ code: 'custom', path: ['backup_pool', i], message: 'cannot be /' });
      if (isWithin(file.datastore, pool) || isWithin(pool, file.datastore)) {
        ctx.addIssue({ code: 'custom', path: ['datastore'], message: `overlaps the backup pool ${pool} (never exposed)` });
      }
    }
    const names = new Set<string>();
    for (const [i, share] of (file.shares ?? []).entries()) {
      if (names.has(share.name))
        ctx.addIssue({ code: 'custom', path: ['shares', i, 'name'], message: `"${share.name}" is declared twice` });
      names.add(share.name);
      const abs = sharePath(file.datastore, share.path);
      for (const pool of file.backup_pool) {
        if (isWithin(abs, pool) || isWithin(pool, abs)) {
          ctx.addIssue({ code: 'custom', path: ['shares', i, 'path'], message: `reaches the backup pool ${pool} (never exposed)` });
        }
      }
    }
  })
  .transform((file) => ({ ...file, shares: file.shares ?? DEFAULT_SHARES }));

export type SharesFile = z.output<typeof sharesFileSchema>;
export type Share = SharesFile['shares'][number];
