import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseYamlConfig } from '@homelab/core';
import { appBundle, repoRoot } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { usersFileSchema } from '../src/config.js';

const readme = readFileSync(`${repoRoot}/apps/sftp-config/README.md`, 'utf8');

describe('README', () => {
  it('shows the current --help output', () => {
    const help = execFileSync(process.execPath, [appBundle('sftp-config'), '--help'], { encoding: 'utf8' });
    expect(readme).toContain(help.trim());
  });

  it('its users YAML example is valid', () => {
    const yaml = readme.match(/```yaml\n([\s\S]*?)```/)?.[1] ?? '';
    const file = parseYamlConfig(usersFileSchema, yaml, 'README');
    expect(file.users.map((u) => `${u.name}:${u.mode}:${u.access}`)).toEqual(['laptop:rsync:rw', 'pc-mount:sftp:rw', 'phone:sftp:ro']);
  });
});
