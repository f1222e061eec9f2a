import { defineConfig } from 'tsup';

// Fakes that tests run as real processes (node dist/<name>.js); one file each, no node_modules needed.
export default defineConfig({
  entry: {
    'fake-minecraft': 'src/fake-minecraft/main.ts',
    'fake-little-a-map': 'src/fake-little-a-map/main.ts',
    'mc-status': 'src/fake-minecraft/status-main.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  splitting: false,
  noExternal: [/.*/],
  silent: true,
});
