import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBundle, repoRoot } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { bridgeEnvDocs } from '../src/config.js';

describe('rcon-bridge README', () => {
  const readme = readFileSync(join(repoRoot, 'apps/rcon-bridge/README.md'), 'utf8');
  it('shows the real --help output', () => {
    const help = execFileSync(process.execPath, [appBundle('rcon-bridge'), '--help'], { encoding: 'utf8' });
    expect(readme).toContain(`\`\`\`\n${help}\`\`\``);
  });
  it('documents every env var with its default', () => {
    for (const doc of bridgeEnvDocs) {
      expect(readme).toContain(`\`${doc.name}`);
      if (doc.default)
        expect(readme).toMatch(
          new RegExp(`\\|\\s*\`${doc.name}\`[^\\n]*\\|\\s*\`${doc.default.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`\\s*\\|`),
        );
    }
  });
});
