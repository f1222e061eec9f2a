import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';

/** Vanilla's log format: `[HH:MM:SS] [Thread/LEVEL]: message`, to stdout and logs/latest.log. */
export class VanillaLog {
  private readonly file: string;

  constructor(
    logDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    mkdirSync(logDir, { recursive: true });
    this.file = join(logDir, 'latest.log');
    rotate(logDir, this.file);
  }

  get path(): string {
    return this.file;
  }

  line(thread: string, level: LogLevel, message: string): void {
    const d = this.now();
    const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    const text = `[${hms}] [${thread}/${level}]: ${message}\n`;
    process.stdout.write(text);
    appendFileSync(this.file, text);
  }

  info(message: string, thread = 'Server thread'): void {
    this.line(thread, 'INFO', message);
  }

  warn(message: string, thread = 'Server thread'): void {
    this.line(thread, 'WARN', message);
  }
}

/** Like vanilla at start: the previous latest.log becomes logs/YYYY-MM-DD-N.log.gz. */
function rotate(logDir: string, file: string): void {
  if (!existsSync(file)) return;
  const day = statSync(file).mtime.toISOString().slice(0, 10);
  const taken = new Set(readdirSync(logDir));
  let n = 1;
  while (taken.has(`${day}-${n}.log.gz`)) n++;
  writeFileSync(join(logDir, `${day}-${n}.log.gz`), gzipSync(readFileSync(file)));
  rmSync(file);
}
