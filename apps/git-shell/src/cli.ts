import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  type CliSpec,
  type CommandContext,
  commonEnvDocs,
  createLogger,
  createRunner,
  loadEnvConfig,
  systemClock,
  UsageError,
} from '@homelab/core';
import { oneLine } from '@homelab/git-pool';
import { z } from 'zod';
import { installCommands, SHELL_COMMANDS } from './install.js';
import { lfsTransfer } from './lfs-transfer.js';
import { describeRepo, listRepos, listTrash, makeRepo, type PoolDeps, removeRepo, restoreRepo, setPrivate } from './pool-ops.js';

const schema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  GIT_SHELL_REPOS: z
    .string()
    .refine((v) => v.startsWith('/') && !/[\u0000-\u001f]/.test(v), 'expected an absolute path')
    .default('/home/git/repos'),
  GIT_SHELL_LFS_TRANSFER: z.string().min(1).optional(),
});

export const envDocs = [
  { name: 'GIT_SHELL_REPOS', description: 'the repo pool', default: '/home/git/repos' },
  { name: 'GIT_SHELL_LFS_TRANSFER', description: 'external git-lfs-transfer program (unset: the built-in LFS server)' },
  { ...commonEnvDocs[0]!, description: 'log level of the diagnostic lines on stderr', default: 'warn' },
];

export interface ShellIo {
  out(text: string): void;
  err(text: string): void;
  /** Where the bundle lives and which node runs it (for install-commands). */
  bundle: string;
  node: string;
  /** The ssh channel, for the binary LFS protocol. */
  stdin: Readable;
  stdout: Writable;
}

function setup(ctx: CommandContext, io: ShellIo) {
  const { config } = loadEnvConfig(schema, ctx.env, { prefixes: ['GIT_SHELL_'] });
  // stdout is the ssh user's terminal: diagnostics go to stderr.
  const log = createLogger({ name: 'git-shell', level: config.LOG_LEVEL, destination: { write: (line: string) => io.err(line) } });
  const runner = createRunner({ log });
  const deps: PoolDeps = { pool: config.GIT_SHELL_REPOS, runner, clock: systemClock };
  return { config, log, runner, deps };
}

/** Arguments as git-shell hands them over: positionals plus everything after `--`. */
const operands = (ctx: CommandContext) => [...ctx.args, ...ctx.rest];

function exactly(ctx: CommandContext, count: number, usage: string): string[] {
  const ops = operands(ctx);
  if (ops.length !== count) {
    throw new UsageError(`expected ${usage} (got ${ops.length} argument${ops.length === 1 ? '' : 's'})`);
  }
  return ops;
}

export function gitShellCli(io: ShellIo): CliSpec {
  return {
    name: 'git-shell',
    summary: 'repo commands for the git user of git-ssh (run by git-shell from ~/git-shell-commands/)',
    env: envDocs,
    commands: {
      ls: {
        summary: 'list the repos with their visibility and description',
        run: async (ctx) => {
          const { deps } = setup(ctx, io);
          const repos = await listRepos(deps);
          const width = Math.max(4, ...repos.map((r) => r.name.length));
          // A description edited by hand could hold terminal escapes: print it flattened.
          for (const repo of repos)
            io.out(`${repo.name.padEnd(width)}  ${repo.private ? 'private' : 'public '}  ${oneLine(repo.description, 200)}\n`);
          if (repos.length === 0) io.out('(no repos)\n');
          return 0;
        },
      },
      mk: {
        usage: 'mk <repo> [--private]',
        summary: 'make a bare repo (branch main), public unless --private',
        flags: { private: { type: 'boolean', description: 'make it private' } },
        run: async (ctx) => {
          const ops = operands(ctx);
          const isPrivate = ctx.flags.private === true || ops.includes('--private');
          const names = ops.filter((o) => o !== '--private');
          if (names.length !== 1) throw new UsageError(`mk takes exactly one repo name (got ${names.length})`);
          const { deps, log } = setup(ctx, io);
          const path = await makeRepo(deps, names[0], { private: isPrivate });
          log.info({ repo: names[0], path, private: isPrivate }, 'repo made');
          io.out(`made ${isPrivate ? 'private' : 'public'} repo ${names[0]} (${path})\n`);
          return 0;
        },
      },
      rm: {
        usage: 'rm <repo>',
        summary: 'move a repo into the trash (recoverable with restore)',
        run: async (ctx) => {
          const [name] = exactly(ctx, 1, 'rm <repo>');
          const { deps, log } = setup(ctx, io);
          const stamp = await removeRepo(deps, name);
          log.info({ repo: name, stamp }, 'repo moved to trash');
          io.out(`moved ${name} to the trash (${stamp}); "restore ${name}" brings it back\n`);
          return 0;
        },
      },
      restore: {
        usage: 'restore <repo> [stamp]',
        summary: 'bring a trashed repo back (the newest, or the one with that stamp)',
        run: async (ctx) => {
          const ops = operands(ctx);
          if (ops.length < 1 || ops.length > 2) throw new UsageError('expected restore <repo> [stamp]');
          const { deps, log } = setup(ctx, io);
          const entry = await restoreRepo(deps, ops[0], ops[1]);
          log.info({ repo: entry.name, stamp: entry.stamp }, 'repo restored');
          io.out(`restored ${entry.name} from the trash (${entry.stamp})\n`);
          return 0;
        },
      },
      trash: {
        summary: 'list the trashed repos with their stamps',
        run: async (ctx) => {
          exactly(ctx, 0, 'no arguments');
          const { deps } = setup(ctx, io);
          const entries = await listTrash(deps);
          for (const e of entries) io.out(`${e.name}  ${e.stamp}\n`);
          if (entries.length === 0) io.out('(trash is empty)\n');
          return 0;
        },
      },
      private: {
        usage: 'private <repo>',
        summary: 'hide a repo from the web (pages and http clone)',
        run: async (ctx) => {
          const [name] = exactly(ctx, 1, 'private <repo>');
          const { deps } = setup(ctx, io);
          await setPrivate(deps, name, true);
          io.out(`${name} is now private\n`);
          return 0;
        },
      },
      public: {
        usage: 'public <repo>',
        summary: 'show a repo on the web again',
        run: async (ctx) => {
          const [name] = exactly(ctx, 1, 'public <repo>');
          const { deps } = setup(ctx, io);
          await setPrivate(deps, name, false);
          io.out(`${name} is now public\n`);
          return 0;
        },
      },
      describe: {
        usage: 'describe <repo> <text>',
        summary: 'set the description shown on the web (one line; empty text clears it)',
        run: async (ctx) => {
          const [name, ...words] = operands(ctx);
          if (name === undefined) throw new UsageError('expected describe <repo> <text>');
          const { deps } = setup(ctx, io);
          await describeRepo(deps, name, words);
          io.out(`description of ${name} set\n`);
          return 0;
        },
      },
      help: {
        summary: 'list the commands (what an interactive ssh login shows)',
        run: () => {
          io.out(
            'Commands: ls | mk <repo> [--private] | rm <repo> | restore <repo> [stamp] | trash | private <repo> | public <repo> | describe <repo> <text>\n',
          );
          io.out('Clone: git clone git@<host>:repos/<repo>    Names: a-z 0-9 . _ - and one "/" for a group\n');
          return 0;
        },
      },
      'lfs-transfer': {
        usage: 'lfs-transfer <path> upload|download',
        summary: 'git-lfs over SSH (what git-lfs 3.x runs as git-lfs-transfer)',
        run: async (ctx) => {
          const { deps, config, runner, log } = setup(ctx, io);
          const home = ctx.env.HOME ?? homedir();
          const lfs = { pool: deps.pool, home, runner, log, program: config.GIT_SHELL_LFS_TRANSFER, stdin: io.stdin, stdout: io.stdout };
          return lfsTransfer(lfs, operands(ctx));
        },
      },
      'install-commands': {
        usage: 'install-commands [--dir DIR]',
        summary: `write ${SHELL_COMMANDS.length} wrappers into ~/git-shell-commands/ (or --dir)`,
        flags: { dir: { type: 'string', description: 'target folder [default: $HOME/git-shell-commands]' } },
        run: async (ctx) => {
          const { config } = setup(ctx, io);
          const dir = typeof ctx.flags.dir === 'string' ? ctx.flags.dir : join(ctx.env.HOME ?? homedir(), 'git-shell-commands');
          const written = await installCommands({ dir, node: io.node, bundle: io.bundle, repos: config.GIT_SHELL_REPOS });
          io.out(`wrote ${written.length} commands into ${dir}\n`);
          return 0;
        },
      },
    },
  };
}
