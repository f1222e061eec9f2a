import type * as z from 'zod';
import { type CliSpec, type CommandContext, type CommandSpec, main, reportError } from './cli.js';
import { systemClock } from './clock.js';
import { createRunner } from './exec.js';
import type { Logger } from './logger.js';
import type { BareCommand, BareDeps, SidecarCommand, SidecarDefinition, SidecarEnv, SidecarHost } from './sidecar.js';

/**
 * The light half of defineSidecar, and what an app's main.ts imports: it statically loads only the
 * CLI parser and the exec wrapper (execa itself waits for the first child). A `bare` command named
 * on the command line runs from here, before the definition's env (zod) and core's index (fastify,
 * pino, prom-client) are evaluated; every other command loads sidecar.ts and the app's lazy parts
 * first. sftp-config's `rsync-gate`, started by sshd for every rsync connection, is the reason.
 */

export const processHost: SidecarHost = {
  io: {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    onSignal: (signal, handler) => process.on(signal, handler),
    stdin: process.stdin,
    stdoutStream: process.stdout,
    execPath: process.execPath,
    script: process.argv[1],
  },
  clock: systemClock,
};

/** A bare command has no logger; its runner logs nothing (its stdout and stderr may be a protocol peer's). */
const silent: Logger = {
  child: () => silent,
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
} as unknown as Logger;

export function isBare<C>(command: SidecarCommand<C> | BareCommand): command is BareCommand {
  return command.bare === true;
}

/** What a bare command gets: the command line, the env as it is (not validated), the process io, a silent runner. */
export function bareDeps(ctx: CommandContext, host: SidecarHost): BareDeps {
  return { ...ctx, io: host.io, clock: host.clock, runner: createRunner({ log: silent }) };
}

export function bareCommandSpec(command: BareCommand, host: SidecarHost): CommandSpec {
  return { summary: command.summary, usage: command.usage, flags: command.flags, run: (ctx) => command.run(bareDeps(ctx, host)) };
}

/**
 * The CLI of the one bare command `argv` names, or undefined when argv asks for anything else
 * (another command, no command, `--help`): those need the whole definition.
 */
export function bareCli<S extends z.ZodObject>(def: SidecarDefinition<S>, argv: readonly string[], host: SidecarHost): CliSpec | undefined {
  const name = argv[0];
  const command = name === undefined ? undefined : def.commands?.[name];
  if (name === undefined || command === undefined || !isBare(command)) return undefined;
  const dashDash = argv.indexOf('--');
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
  if (own.includes('--help') || own.includes('-h')) return undefined;
  return { name: def.name, summary: def.summary, commands: { [name]: bareCommandSpec(command, host) }, flags: def.flags };
}

/** The definition with its env loaded (an app may declare `env` as a loader so its bare commands start without zod). */
export async function loadSidecar<S extends z.ZodObject>(
  def: SidecarDefinition<S>,
): Promise<SidecarDefinition<S> & { env: SidecarEnv<S> }> {
  return typeof def.env === 'function' ? { ...def, env: await def.env() } : (def as SidecarDefinition<S> & { env: SidecarEnv<S> });
}

/** The whole body of an app's main.ts. */
export function runSidecar<S extends z.ZodObject>(def: SidecarDefinition<S>): void {
  const bare = bareCli(def, process.argv.slice(2), processHost);
  if (bare) {
    main(bare);
    return;
  }
  Promise.all([import('./sidecar.js'), loadSidecar(def)]).then(
    ([{ defineSidecar }, loaded]) => main(defineSidecar(loaded)),
    (error) => {
      process.exitCode = reportError(def.name, error);
    },
  );
}
