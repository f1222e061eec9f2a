import { parseArgs } from 'node:util';
import { ConfigError, errorMessage, UsageError } from './errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  multiple?: boolean;
}

export interface CommandContext {
  /** Positional arguments after the command name (and everything after `--` in `rest`). */
  args: string[];
  rest: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  env: Record<string, string | undefined>;
}

export interface CommandSpec {
  summary: string;
  usage?: string;
  flags?: Record<string, FlagSpec>;
  /** Returns the exit code (default 0). */
  run(ctx: CommandContext): Promise<number | undefined> | number | undefined;
}

export interface EnvDoc {
  name: string;
  description: string;
  default?: string;
}

export interface CliSpec {
  name: string;
  summary: string;
  commands: Record<string, CommandSpec>;
  /** The command run when none is given (a long-running sidecar's `run`). */
  defaultCommand?: string;
  env?: EnvDoc[];
  flags?: Record<string, FlagSpec>;
}

export function renderHelp(cli: CliSpec): string {
  const lines = [`${cli.name}: ${cli.summary}`, '', `Usage: ${cli.name} <command> [flags]`, '', 'Commands:'];
  const width = Math.max(...Object.keys(cli.commands).map((n) => (cli.commands[n]?.usage ?? n).length)) + 2;
  for (const [name, cmd] of Object.entries(cli.commands)) {
    const dflt = name === cli.defaultCommand ? ' (default)' : '';
    lines.push(`  ${(cmd.usage ?? name).padEnd(width)}${cmd.summary}${dflt}`);
  }
  const flags = { ...cli.flags, help: { type: 'boolean', short: 'h', description: 'show this help' } as FlagSpec };
  lines.push('', 'Flags:');
  for (const [name, flag] of Object.entries(flags)) {
    const short = flag.short ? `-${flag.short}, ` : '    ';
    const value = flag.type === 'string' ? ' VALUE' : '';
    lines.push(`  ${short}--${name}${value}`.padEnd(28) + flag.description);
  }
  for (const [cmdName, cmd] of Object.entries(cli.commands)) {
    for (const [name, flag] of Object.entries(cmd.flags ?? {})) {
      lines.push(`  --${name}${flag.type === 'string' ? ' VALUE' : ''}`.padEnd(28) + `${flag.description} (${cmdName})`);
    }
  }
  if (cli.env?.length) {
    lines.push('', 'Environment (secrets also as NAME_FILE):');
    for (const env of cli.env) {
      const dflt = env.default !== undefined ? ` [default: ${env.default}]` : '';
      // A name as long as the column still gets one space before its description.
      lines.push(`  ${`${env.name} `.padEnd(26)}${env.description}${dflt}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Parses argv, runs the command and returns the exit code: 0 ok, 1 runtime failure, 2 config/usage. */
export async function runCli(
  cli: CliSpec,
  argv: string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
  io: CliIo = processIo,
): Promise<number> {
  try {
    const dashDash = argv.indexOf('--');
    const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
    const rest = dashDash === -1 ? [] : argv.slice(dashDash + 1);
    if (own.includes('--help') || own.includes('-h') || own[0] === 'help') {
      io.stdout(renderHelp(cli));
      return 0;
    }
    const first = own[0];
    const commandName = first !== undefined && !first.startsWith('-') ? first : cli.defaultCommand;
    if (commandName === undefined) throw new UsageError(`no command given; expected one of: ${Object.keys(cli.commands).join(', ')}`);
    const command = cli.commands[commandName];
    if (!command) throw new UsageError(`unknown command "${commandName}"; expected one of: ${Object.keys(cli.commands).join(', ')}`);
    const tail = commandName === first ? own.slice(1) : own;
    const flagSpecs = { ...cli.flags, ...command.flags };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: tail, options: flagSpecs as never, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError(errorMessage(error).split('\n')[0] ?? 'bad flags');
    }
    const code = await command.run({ args: parsed.positionals, rest, flags: parsed.values as CommandContext['flags'], env });
    return code ?? 0;
  } catch (error) {
    return reportError(cli.name, error, io);
  }
}

/** Turns an error into one line on stderr and an exit code; only entry points call this. */
export function reportError(app: string, error: unknown, io: CliIo = processIo): number {
  if (error instanceof ConfigError || error instanceof UsageError) {
    io.stderr(`${app}: ${error.message}\n`);
    if (error instanceof UsageError) io.stderr(`run "${app} --help" for usage\n`);
    return 2;
  }
  io.stderr(`${app}: ${errorMessage(error)}\n`);
  const code = (error as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' && code > 0 && code < 126 ? code : 1;
}

/** The whole body of an app's main.ts: run the CLI and exit with its code once output is flushed. */
export function main(cli: CliSpec): void {
  runCli(cli).then(
    (code) => {
      process.exitCode = code;
      // A sidecar's open handles (servers, watchers) are closed by its stop hooks; exit explicitly
      // so a forgotten handle cannot keep a finished one-shot command alive.
      setImmediate(() => process.exit(code));
    },
    (error) => {
      process.stderr.write(`${cli.name}: ${errorMessage(error)}\n`);
      process.exit(1);
    },
  );
}
