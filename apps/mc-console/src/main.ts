import { loadEnvConfig, main, UsageError } from '@homelab/core';
import { consoleEnvDocs, consoleEnvOptions, consoleEnvSchema } from './config.js';
import { execOnce } from './exec.js';
import { runSession } from './session.js';

main({
  name: 'mc-console',
  summary: 'the Minecraft console through the rcon-bridge: live log and commands (runs under ttyd)',
  defaultCommand: 'run',
  env: consoleEnvDocs,
  commands: {
    run: {
      summary: 'interactive: log history and live lines, commands with line editing and history',
      run: async ({ env, args }) => {
        if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"; to run one command use: mc-console exec CMD...`);
        const { config } = loadEnvConfig(consoleEnvSchema, env, consoleEnvOptions);
        return runSession(config, { input: process.stdin, output: process.stdout });
      },
    },
    exec: {
      usage: 'exec CMD...',
      summary: 'run one command, print its full reply; exit 1 when refused or failed',
      run: async ({ env, args, rest }) => {
        const words = [...args, ...rest];
        if (words.length === 0) throw new UsageError('exec needs a command, e.g. mc-console exec list');
        const { config } = loadEnvConfig(consoleEnvSchema, env, consoleEnvOptions);
        const { reply, code } = await execOnce(config, words.join(' '));
        const out = reply === '' || reply.endsWith('\n') ? reply : `${reply}\n`;
        if (code === 0) process.stdout.write(out);
        else process.stderr.write(out);
        return code;
      },
    },
  },
});
