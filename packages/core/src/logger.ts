import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Generic field names always redacted (first two levels); each app adds its own secret env names via `secretFields`. */
const SECRET_FIELDS = ['password', 'passphrase', 'secret', 'token', 'apiKey', 'authorization'];

export interface LoggerSettings {
  name: string;
  level?: string;
  /** Secret values (e.g. read from *_FILE): replaced by [REDACTED] wherever they appear in a line. */
  secrets?: readonly string[];
  /** More field names whose values are redacted (an app's secret env var names). */
  secretFields?: readonly string[];
  /** Where lines go; default stdout. Pretty output only when this is a TTY and pino-pretty is installed. */
  destination?: DestinationStream;
  pretty?: boolean;
}

export function createLogger(settings: LoggerSettings): Logger {
  const secrets = (settings.secrets ?? []).filter((s) => s.length >= 3);
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [...new Set([...SECRET_FIELDS, ...(settings.secretFields ?? [])])].flatMap((f) => [f, `*.${f}`]),
      censor: '[REDACTED]',
    },
    formatters: { level: (label) => ({ level: label }) },
    ...(secrets.length > 0 ? { hooks: { streamWrite: (line: string) => scrub(line, secrets) } } : {}),
  };
  const usePretty = settings.pretty ?? (settings.destination === undefined && process.stdout.isTTY === true);
  const destination = settings.destination ?? (usePretty ? prettyStream() : undefined) ?? pino.destination({ sync: true });
  return pino(options, destination);
}

/**
 * pino-pretty, loaded only when a TTY asks for it and only where it is installed: bundles leave it
 * out (bundle-plugins.ts), so a checkout prints pretty lines and an image prints JSON lines.
 */
function prettyStream(): DestinationStream | undefined {
  try {
    const { build } = require('pino-pretty') as typeof import('pino-pretty');
    return build({ colorize: true, sync: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Replaces each secret, also in its JSON-escaped form, with a fixed marker. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      out = out.split(form).join('[REDACTED]');
    }
  }
  return out;
}

/** A logger that drops everything: for unit tests and pure helpers. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
