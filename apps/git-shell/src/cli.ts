import { homedir } from 'node:os';
import { join } from 'node:path';
import { type CommandDeps, type SidecarDefinition, UsageError } from '@homelab/core';
import { oneLine } from '@homelab/git-pool';
import { gitShellEnv, type schema } from './config.js';
import { installCommands, SHELL_COMMANDS } from './install.js';
import { lfsTransfer } from './lfs-transfer.js';
import { describeRepo, listRepos, listTrash, makeRepo, poolDeps, removeRepo, restoreRepo, setPrivate } from './pool-ops.js';

/** Arguments as git-shell hands them over: positionals plus everything after `--`. */
const operands = (ctx: Pick<CommandDeps<unknown>, 'args' | 'rest'>) => [...ctx.args, ...ctx.rest];

function exactly(ctx: Pick<CommandDeps<unknown>, 'args' | 'rest'>, count: number, usage: string): string[] {
  const ops = operands(ctx);
  if (ops.length !== count) {
    throw new UsageError(`expected ${usage} (got ${ops.length} argument${ops.length === 1 ? '' : 's'})`);
  }
  return ops;
}

export const gitShell: SidecarDefinition<typeof schema> = {
  name: 'git-shell',
  summary: 'repo commands for the git user of git-ssh (run by git-shell from ~/git-shell-commands/)',
  env: gitShellEnv,
  // stdout is the ssh user's terminal: diagnostics go to stderr.
  logTo: 'stderr',
  commands: {
    ls: {
      summary: 'list the repos with their visibility and description',
      run: async (ctx) => {
        const deps = poolDeps(ctx);
        const repos = await listRepos(deps);
        const width = Math.max(4, ...repos.map((r) => r.name.length));
        // A description edited by hand could hold terminal escapes: print it flattened.
        for (const repo of repos)
          ctx.io.stdout(`${repo.name.padEnd(width)}  ${repo.private ? 'private' : 'public '}  ${oneLine(repo.description, 200)}\n`);
        if (repos.length === 0) ctx.io.stdout('(no repos)\n');
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
        const deps = poolDeps(ctx);
        const { log } = ctx;
        const path = await makeRepo(deps, names[0], { private: isPrivate });
        log.info({ repo: names[0], path, private: isPrivate }, 'repo made');
        ctx.io.stdout(`made ${isPrivate ? 'private' : 'public'} repo ${names[0]} (${path})\n`);
        return 0;
      },
    },
    rm: {
      usage: 'rm <repo>',
      summary: 'move a repo into the trash (recoverable with restore)',
      run: async (ctx) => {
        const [name] = exactly(ctx, 1, 'rm <repo>');
        const deps = poolDeps(ctx);
        const { log } = ctx;
        const stamp = await removeRepo(deps, name);
        log.info({ repo: name, stamp }, 'repo moved to trash');
        ctx.io.stdout(`moved ${name} to the trash (${stamp}); "restore ${name}" brings it back\n`);
        return 0;
      },
    },
    restore: {
      usage: 'restore <repo> [stamp]',
      summary: 'bring a trashed repo back (the newest, or the one with that stamp)',
      run: async (ctx) => {
        const ops = operands(ctx);
        if (ops.length < 1 || ops.length > 2) throw new UsageError('expected restore <repo> [stamp]');
        const deps = poolDeps(ctx);
        const { log } = ctx;
        const entry = await restoreRepo(deps, ops[0], ops[1]);
        log.info({ repo: entry.name, stamp: entry.stamp }, 'repo restored');
        ctx.io.stdout(`restored ${entry.name} from the trash (${entry.stamp})\n`);
        return 0;
      },
    },
    trash: {
      summary: 'list the trashed repos with their stamps',
      run: async (ctx) => {
        exactly(ctx, 0, 'no arguments');
        const deps = poolDeps(ctx);
        const entries = await listTrash(deps);
        for (const e of entries) ctx.io.stdout(`${e.name}  ${e.stamp}\n`);
        if (entries.length === 0) ctx.io.stdout('(trash is empty)\n');
        return 0;
      },
    },
    private: {
      usage: 'private <repo>',
      summary: 'hide a repo from the web (pages and http clone)',
      run: async (ctx) => {
        const [name] = exactly(ctx, 1, 'private <repo>');
        const deps = poolDeps(ctx);
        await setPrivate(deps, name, true);
        ctx.io.stdout(`${name} is now private\n`);
        return 0;
      },
    },
    public: {
      usage: 'public <repo>',
      summary: 'show a repo on the web again',
      run: async (ctx) => {
        const [name] = exactly(ctx, 1, 'public <repo>');
        const deps = poolDeps(ctx);
        await setPrivate(deps, name, false);
        ctx.io.stdout(`${name} is now public\n`);
        return 0;
      },
    },
    describe: {
      usage: 'describe <repo> <text>',
      summary: 'set the description shown on the web (one line; empty text clears it)',
      run: async (ctx) => {
        const [name, ...words] = operands(ctx);
        if (name === undefined) throw new UsageError('expected describe <repo> <text>');
        const deps = poolDeps(ctx);
        await describeRepo(deps, name, words);
        ctx.io.stdout(`description of ${name} set\n`);
        return 0;
      },
    },
    'lfs-transfer': {
      usage: 'lfs-transfer <path> upload|download',
      summary: 'git-lfs over SSH (what git-lfs 3.x runs as git-lfs-transfer)',
      run: async (ctx) => {
        const { config, runner, log, io } = ctx;
        const home = ctx.env.HOME ?? homedir();
        const lfs = {
          pool: config.GIT_SHELL_REPOS,
          home,
          runner,
          log,
          program: config.GIT_SHELL_LFS_TRANSFER,
          stdin: io.stdin,
          stdout: io.stdoutStream,
        };
        return lfsTransfer(lfs, operands(ctx));
      },
    },
    'install-commands': {
      usage: 'install-commands [--dir DIR]',
      summary: `write ${SHELL_COMMANDS.length} wrappers into ~/git-shell-commands/ (or --dir)`,
      flags: { dir: { type: 'string', description: 'target folder [default: $HOME/git-shell-commands]' } },
      run: async (ctx) => {
        const { config, io } = ctx;
        const dir = typeof ctx.flags.dir === 'string' ? ctx.flags.dir : join(ctx.env.HOME ?? homedir(), 'git-shell-commands');
        if (!io.execPath || !io.script) throw new Error('install-commands needs the path of node and of this bundle');
        const written = await installCommands({ dir, node: io.execPath, bundle: io.script, repos: config.GIT_SHELL_REPOS });
        ctx.io.stdout(`wrote ${written.length} commands into ${dir}\n`);
        return 0;
      },
    },
  },
};
