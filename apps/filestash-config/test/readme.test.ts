import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseYamlConfig } from '@homelab/core';
import { appBundle, repoRoot } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { sharesFileSchema } from '../src/config.js';

const readme = readFileSync(`${repoRoot}/apps/filestash-config/README.md`, 'utf8');

describe('README', () => {
  it('shows the current --help output', () => {
    const help = execFileSync(process.execPath, [appBundle('filestash-config'), '--help'], { encoding: 'utf8' });
    expect(readme).toContain(help.trim());
  });

  it('its shares YAML example is valid', () => {
    const yaml = readme.match(/```yaml\n([\s\S]*?)```/)?.[1] ?? '';
    const file = parseYamlConfig(sharesFileSchema, yaml, 'README');
    expect(file.shares.map((s) => `${s.name}:${s.path}:${s.access}`)).toEqual(['storage::ro', 'inbox:fotografija/inbox:rw']);
  });
});
