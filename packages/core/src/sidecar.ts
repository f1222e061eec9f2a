import type { Readable, Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type * as z from 'zod';
import type { CliSpec, CommandContext, CommandSpec, EnvDoc, FlagSpec } from './cli.js';
import type { Clock } from './clock.js';
import { type LoadedConfig, loadEnvConfig } from './config.js';
import { ConfigError, type ConfigIssue, UsageError } from './errors.js';
import { createRunner, type ProcessRunner } from './exec.js';
import { createMetricsRegistry, type ReadinessCheck, startHealthServer } from './health.js';
import { applyJitTier, type JitTier } from './jit-tier.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { bareCommandSpec, isBare, processHost } from './run-sidecar.js';
import { commonEnvDocs } from './service.js';

/**
 * One declaration per app: its env (schema, prefixes, secrets, docs), its long-running service and
 * its one-shot commands. defineSidecar owns config -> logger -> runner -> metrics registry -> health
 * server -> lifecycle, so no app builds those by hand; main.ts only calls `runSidecar(definition)`
 * (run-sidecar.ts, which runs a `bare` command before any of this loads).
 */

/** What the app's env looks like. The schema spreads `commonEnvShape` (LOG_LEVEL, HEALTH_LISTEN). */
export interface SidecarEnv<S extends z.ZodObject> {
  schema: S;
  /** Env var prefixes the app owns: an unknown var with one of them is refused as a typo. */
  prefixes: readonly string[];
  /** Keys that may come from `KEY_FILE`; their values are redacted from every log line. */
  secrets?: readonly string[];
  /** The app's own variables for --help (LOG_LEVEL and HEALTH_LISTEN are added). */
  docs: readonly EnvDoc[];
  /** Rules across keys the schema cannot say alone; each issue names its key (exit 2 like a schema error). */
  check?: (config: z.output<S>) => readonly ConfigIssue[];
}

/** The process-facing pieces a command may use without touching `process` itself. */
export interface SidecarIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Subscribes to a process signal (e.g. to forward it to a supervised child). */
  onSignal(signal: NodeJS.Signals, handler: () => void): void;
  stdin: Readable;
  stdoutStream: Writable;
  /** The node binary and the bundle running now (for commands that install calls to themselves). */
  execPath?: string;
  script?: string;
}

/** Everything a command gets: validated config and the shared mechanisms, built once. */
export interface CommandDeps<C> {
  config: C;
  log: Logger;
  runner: ProcessRunner;
  clock: Clock;
  /** Positional arguments after the command name; `rest` is everything after `--`. */
  args: string[];
  rest: string[];
  flags: CommandContext['flags'];
  env: Record<string, string | undefined>;
  io: SidecarIo;
  /**
   * Aborted on SIGTERM/SIGINT for commands declared `stoppable` (so borg releases its lock, save-on
   * is sent); for other commands it never aborts.
   */
  signal: AbortSignal;
  /**
   * Where the command's metrics go: a registry without default metrics that nobody serves (one-shot
   * commands share code with the service); a service gets the one its health server serves.
   */
  registry: Registry;
}

/** A long-running service also gets the served metrics registry and the lifecycle it registers stop hooks on. */
export interface ServiceDeps<C> extends CommandDeps<C> {
  lifecycle: Lifecycle;
}

/** What an app's `build` returns: how to start it and how the health server sees it. */
export interface SidecarService {
  /** Starts the work; registers its own stop hooks on `deps.lifecycle`. */
  start(): Promise<void> | void;
  checks?: Record<string, ReadinessCheck>;
  /** Extra detail for /healthz; never secrets. */
  status?: () => Record<string, unknown>;
  /** The exit code after a clean stop when the service knows better (e.g. its supervised child's). */
  exitCode?: () => number | undefined;
}

export interface ServiceSpec<C> {
  summary: string;
  usage?: string;
  flags?: Record<string, FlagSpec>;
  /** Total time for the stop hooks (default 10 s). */
  stopDeadlineMs?: (config: C) => number;
  /** Refuse positional arguments unless the service takes them (default: refused). */
  acceptsArgs?: boolean;
  /** Added to the refusal of a positional argument, e.g. `put the server command after "--"`. */
  argsHint?: string;
  /**
   * How far V8 may compile the service's JavaScript (jit-tier.ts), applied before `build`:
   * `interpreter` or `baseline` keep TurboFan (about 3.5 MiB that stays resident once used) out of a
   * service whose only hot code runs once at start; default `optimizing`, for code that stays hot.
   */
  jitTier?: JitTier;
  build(deps: ServiceDeps<C>): SidecarService | Promise<SidecarService>;
}

export interface SidecarCommand<C> {
  bare?: false;
  summary: string;
  usage?: string;
  flags?: Record<string, FlagSpec>;
  /** false: the command needs no env config (it gets `undefined` as config and a default logger). */
  needsConfig?: boolean;
  /** Overrides the definition's `logTo` (e.g. a listing command whose stdout is its output). */
  logTo?: 'stdout' | 'stderr';
  /** true: SIGTERM/SIGINT abort `deps.signal` and the command finishes its work safely. */
  stoppable?: boolean;
  /** Overrides LOG_LEVEL for this command's logger and runner (e.g. `silent` where stderr is a protocol peer's). */
  logLevel?: string;
  /** Returns the exit code (default 0). */
  run(deps: CommandDeps<C>): Promise<number | undefined> | number | undefined;
}

/** What a bare command gets: nothing the sidecar builds, only the command line, the process and a runner. */
export interface BareDeps extends CommandContext {
  io: SidecarIo;
  clock: Clock;
  /** Logs nothing: a bare command has no logger. */
  runner: ProcessRunner;
}

/**
 * A command that needs no env config, logger, metrics registry, health server or lifecycle: runSidecar
 * dispatches it before the rest of the definition and core's heavy modules load, so it starts about
 * as fast as a plain node script (sftp-config's rsync-gate, sshd's forced command for every rsync
 * connection). It validates its own flags and env, and reports on stderr.
 */
export interface BareCommand {
  bare: true;
  summary: string;
  usage?: string;
  flags?: Record<string, FlagSpec>;
  /** Returns the exit code (default 0). */
  run(deps: BareDeps): Promise<number | undefined> | number | undefined;
}

export interface SidecarDefinition<S extends z.ZodObject> {
  name: string;
  summary: string;
  /**
   * The env, or a loader of it (`() => import('./config.js').then((m) => m.env)`) for an app whose
   * bare commands must start without loading its schema; runSidecar loads it for every other command.
   */
  env: SidecarEnv<S> | (() => Promise<SidecarEnv<S>>);
  /** The long-running service, run as the command `run` (also the default command). */
  service?: ServiceSpec<z.output<S>>;
  commands?: Record<string, SidecarCommand<z.output<S>> | BareCommand>;
  /** Flags every command accepts. */
  flags?: Record<string, FlagSpec>;
  /** The command run when none is given: `run` when there is a service. */
  defaultCommand?: string;
  /** Where log lines go: stdout (default, the container log) or stderr (CLIs whose stdout is output). */
  logTo?: 'stdout' | 'stderr';
}

/** Overridable for tests: everything defineSidecar would take from the process. */
export interface SidecarHost {
  io: SidecarIo;
  clock: Clock;
  /** Signals the lifecycle stops on; tests pass []. */
  stopSignals?: NodeJS.Signals[];
}

interface CommonConfig {
  LOG_LEVEL?: string;
  HEALTH_LISTEN?: string;
}

/** Validates the env the way every command of the sidecar does: schema, `*_FILE` secrets, prefixes, cross-key rules. */
export function loadSidecarEnv<S extends z.ZodObject>(
  spec: SidecarEnv<S>,
  env: Record<string, string | undefined>,
): LoadedConfig<z.output<S>> {
  const loaded = loadEnvConfig(spec.schema, env, spec);
  const issues = spec.check?.(loaded.config) ?? [];
  if (issues.length > 0) throw new ConfigError(issues);
  return loaded;
}

/** Turns a definition into the CLI spec that `runCli`/`main` run. */
export function defineSidecar<S extends z.ZodObject>(def: SidecarDefinition<S>, host: SidecarHost = processHost): CliSpec {
  type C = z.output<S>;
  const env = def.env;
  if (typeof env === 'function') throw new TypeError(`${def.name}: its env is a loader; pass the definition through loadSidecar() first`);
  const commands: Record<string, CommandSpec> = {};

  const prepare = (ctx: CommandContext, needsConfig: boolean, logTo = def.logTo, logLevel?: string): CommandDeps<C> => {
    let config = undefined as C;
    let secretValues: string[] = [];
    if (needsConfig) ({ config, secretValues } = loadSidecarEnv(env, ctx.env));
    const level = logLevel ?? (config as CommonConfig | undefined)?.LOG_LEVEL ?? ctx.env.LOG_LEVEL ?? 'info';
    const log = createLogger({
      name: def.name,
      level,
      secrets: secretValues,
      secretFields: env.secrets,
      ...(logTo === 'stderr' ? { destination: { write: (line: string) => host.io.stderr(line) }, pretty: false } : {}),
    });
    return {
      config,
      log,
      runner: createRunner({ log }),
      clock: host.clock,
      args: ctx.args,
      rest: ctx.rest,
      flags: ctx.flags,
      env: ctx.env,
      io: host.io,
      signal: new AbortController().signal,
      registry: new Registry(),
    };
  };

  if (def.service) {
    const service = def.service;
    commands.run = {
      summary: service.summary,
      usage: service.usage,
      flags: service.flags,
      run: async (ctx) => {
        if (!service.acceptsArgs && ctx.args.length > 0) {
          throw new UsageError(`unexpected argument "${ctx.args[0]}"${service.argsHint ? `; ${service.argsHint}` : ''}`);
        }
        const deps = prepare(ctx, true);
        return runSidecarService(def.name, service, deps, host);
      },
    };
  }
  for (const [name, command] of Object.entries(def.commands ?? {})) {
    if (isBare(command)) {
      commands[name] = bareCommandSpec(command, host);
      continue;
    }
    commands[name] = {
      summary: command.summary,
      usage: command.usage,
      flags: command.flags,
      run: async (ctx) => {
        const deps = prepare(ctx, command.needsConfig !== false, command.logTo ?? def.logTo, command.logLevel);
        if (!command.stoppable) return command.run(deps);
        const lifecycle = createLifecycle({ log: deps.log, signals: host.stopSignals });
        try {
          return await command.run({ ...deps, signal: lifecycle.signal });
        } finally {
          void lifecycle.stop('done');
        }
      },
    };
  }
  return {
    name: def.name,
    summary: def.summary,
    commands,
    defaultCommand: def.defaultCommand ?? (def.service ? 'run' : undefined),
    // The common variables are documented when the app takes them (HEALTH_LISTEN only with a service).
    env: [
      ...env.docs,
      ...commonEnvDocs.filter(
        (d) =>
          d.name in env.schema.shape &&
          !env.docs.some((own) => own.name === d.name) &&
          (d.name !== 'HEALTH_LISTEN' || def.service !== undefined),
      ),
    ],
    flags: def.flags,
  };
}

/** Health server, lifecycle, build and start, then wait for a stop. Resolves to the exit code. */
async function runSidecarService<C>(name: string, spec: ServiceSpec<C>, deps: CommandDeps<C>, host: SidecarHost): Promise<number> {
  const { log } = deps;
  await applyJitTier(spec.jitTier, log);
  const registry = createMetricsRegistry(name);
  const lifecycle = createLifecycle({ log, deadlineMs: spec.stopDeadlineMs?.(deps.config), signals: host.stopSignals });
  const service = await spec.build({ ...deps, signal: lifecycle.signal, registry, lifecycle });
  const listen = (deps.config as CommonConfig).HEALTH_LISTEN ?? '127.0.0.1:9000';
  const health = await startHealthServer(listen, { checks: service.checks, status: service.status, registry, log });
  lifecycle.onStop('health server', () => health.close());
  try {
    await service.start();
  } catch (error) {
    log.error({ err: error }, 'start failed');
    await lifecycle.stop('start failed');
    throw error;
  }
  log.info('started');
  const outcome = await lifecycle.stopped;
  const own = service.exitCode?.();
  if (own !== undefined) return own;
  return outcome.clean ? 0 : 1;
}

export { loadSidecar, runSidecar } from './run-sidecar.js';
