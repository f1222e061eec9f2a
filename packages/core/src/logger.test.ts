import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { makeTempDirSync, useCleanup } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { loadEnvConfig } from './config.js';

import { createLogger, scrub } from './logger.js';

useCleanup('all');

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes JSON lines with level labels and child components', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 'demo', destination });
    log.child({ component: 'x' }).info({ dataset: 'tank/a', ms: 3 }, 'snapshot created');
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ level: 'info', name: 'demo', component: 'x', dataset: 'tank/a', ms: 3, msg: 'snapshot created' });
  });

  it('never lets a secret read through *_FILE reach a log line', () => {
    const dir = makeTempDirSync('log-');
    const secret = 'hunter2-"quoted"-secret';
    writeFileSync(join(dir, 'pw'), `${secret}\n`);
    const schema = z.object({ APP_PASSWORD: z.string(), APP_HOST: z.string().default('h') });
    const { config, secretValues } = loadEnvConfig(schema, { APP_PASSWORD_FILE: join(dir, 'pw') }, { secrets: ['APP_PASSWORD'] });
    const { lines, destination } = capture();
    const log = createLogger({ name: 'demo', destination, secrets: secretValues });
    log.info({ config }, 'config loaded');
    log.info({ password: config.APP_PASSWORD }, 'by field name');
    log.warn(`connecting with ${config.APP_PASSWORD}`);
    log.error({ err: new Error(`auth failed for ${config.APP_PASSWORD}`) }, 'failure');
    log.info({ nested: { deep: { value: config.APP_PASSWORD } } }, 'nested');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toContain('hunter2');
      expect(line).toContain('[REDACTED]');
    }
  });

  it('scrub replaces every occurrence, raw and JSON-escaped', () => {
    expect(scrub('a"b a\\"b', ['a"b'])).toBe('[REDACTED] [REDACTED]');
  });
});
