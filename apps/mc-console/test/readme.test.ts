import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBundle, repoRoot } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { consoleEnvDocs } from '../src/config.js';

describe('mc-console README', () => {
  const readme = readFileSync(join(repoRoot, 'apps/mc-console/README.md'), 'utf8');
  it('shows the real --help output and every env var', () => {
    const help = execFileSync(process.execPath, [appBundle('mc-console'), '--help'], { encoding: 'utf8' });
    expect(readme).toContain(`\`\`\`\n${help}\`\`\``);
    for (const doc of consoleEnvDocs) expect(readme).toContain(`| \`${doc.name}`);
  });
});
