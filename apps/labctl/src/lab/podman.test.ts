import { describe, expect, it } from 'vitest';
import { onlyMissing, parseRunningPids } from './podman.js';

describe('podman container inspect of a few containers (labctl run)', () => {
  it('reads the PIDs of the running ones from the formatted lines', () => {
    expect(parseRunningPids('git-web\ttrue\t4242\nrproxy-edge\tfalse\t0\n/mc-map\ttrue\t77\n\n')).toEqual(
      new Map([
        ['git-web', 4242],
        ['mc-map', 77],
      ]),
    );
    expect(parseRunningPids('')).toEqual(new Map());
  });

  it('treats exit 125 as "some do not exist" only when every error line says so', () => {
    expect(onlyMissing('Error: no such container mc-map\n')).toBe(true);
    expect(onlyMissing('Error: inspecting object: no such container git-web\n')).toBe(true);
    expect(onlyMissing('Error: no such container a\nError: database is locked\n')).toBe(false);
    expect(onlyMissing('')).toBe(false);
  });
});
