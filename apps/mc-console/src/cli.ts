import { type SidecarDefinition, UsageError } from '@homelab/core';
import { consoleEnv, type consoleEnvSchema } from './config.js';
import { execOnce } from './exec.js';
import { runSession } from './session.js';

export const mcConsole: SidecarDefinition<typeof consoleEnvSchema> = {
  name: 'mc-console',
  summary: 'the Minecraft console through the rcon-bridge: live log and commands (runs under ttyd)',
  env: consoleEnv,
  defaultCommand: 'run',
  // stdout is the terminal: diagnostics never go there.
  logTo: 'stderr',
  commands: {
    run: {
      summary: 'interactive: log history and live lines, commands with line editing and history',
      run: async ({ config, args, io }) => {
        if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"; to run one command use: mc-console exec CMD...`);
        return runSession(config, { input: io.stdin, output: io.stdoutStream });
      },
    },
    exec: {
      usage: 'exec CMD...',
      summary: 'run one command, print its full reply; exit 1 when refused or failed',
      run: async ({ config, args, rest, io }) => {
        const words = [...args, ...rest];
        if (words.length === 0) throw new UsageError('exec needs a command, e.g. mc-console exec list');
        const { reply, code } = await execOnce(config, words.join(' '));
        const out = reply === '' || reply.endsWith('\n') ? reply : `${reply}\n`;
        if (code === 0) io.stdout(out);
        else io.stderr(out);
        return code;
      },
    },
  },
};
