import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appBundle, repoRoot } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('shows the current --help output', () => {
    const help = execFileSync(process.execPath, [appBundle('git-shell'), '--help'], { encoding: 'utf8' });
    expect(readFileSync(`${repoRoot}/apps/git-shell/README.md`, 'utf8')).toContain(help);
  });
});
