import { fileURLToPath } from 'node:url';
import { main } from '@homelab/core';
import { gitShellCli } from './cli.js';

main(
  gitShellCli({
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    bundle: fileURLToPath(import.meta.url),
    node: process.execPath,
    stdin: process.stdin,
    stdout: process.stdout,
  }),
);
