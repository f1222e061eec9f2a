import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appBundle, repoRoot } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('shows the current --help output', () => {
    const help = execFileSync(process.execPath, [appBundle('cgit-config'), '--help'], { encoding: 'utf8' });
    expect(readFileSync(`${repoRoot}/apps/cgit-config/README.md`, 'utf8')).toContain(help);
  });

  it('shows the lighttpd config it renders', () => {
    const conf = execFileSync(process.execPath, [appBundle('cgit-config'), 'print-lighttpd'], {
      encoding: 'utf8',
      env: { ...process.env, CGIT_HTTP_PORT: '8080' },
    });
    expect(readFileSync(`${repoRoot}/apps/cgit-config/README.md`, 'utf8')).toContain(conf);
  });
});
