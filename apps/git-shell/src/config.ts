import { configValues, type EnvDoc, type SidecarEnv } from '@homelab/core';
import { z } from 'zod';

export const schema = z.object({
  LOG_LEVEL: configValues.logLevel().default('warn'),
  GIT_SHELL_REPOS: z
    .string()
    .refine((v) => v.startsWith('/') && !/[\u0000-\u001f]/.test(v), 'expected an absolute path')
    .default('/home/git/repos'),
  GIT_SHELL_LFS_TRANSFER: z.string().min(1).optional(),
});
export type GitShellConfig = z.output<typeof schema>;

export const envDocs: EnvDoc[] = [
  { name: 'GIT_SHELL_REPOS', description: 'the repo pool', default: '/home/git/repos' },
  { name: 'GIT_SHELL_LFS_TRANSFER', description: 'external git-lfs-transfer program (unset: the built-in LFS server)' },
  { name: 'LOG_LEVEL', description: 'log level of the diagnostic lines on stderr', default: 'warn' },
];

export const gitShellEnv: SidecarEnv<typeof schema> = { schema, prefixes: ['GIT_SHELL_'], docs: envDocs };
