import { describe, expect, it } from 'vitest';
import { ifnameProblem, proposeIfName } from './ifname.js';

describe('interface names', () => {
  it.each([
    ['pub-lbmt-darkroom', 'p-lbmt-darkroom'],
    ['pri-mc-ttyd-rcon', 'v-mc-ttyd-rcon'],
    ['pri-navid-server', 'v-navid-server'],
    ['navid-server-web', 'navid-srvr-web'],
    ['averyveryverylongname', 'averyveryverylo'],
  ])('proposes a name within 15 bytes for %s', (name, proposal) => {
    expect(proposeIfName(name)).toBe(proposal);
    expect(ifnameProblem(proposal)).toBeUndefined();
  });

  it('counts bytes, not characters', () => {
    expect(ifnameProblem('p-ü-1234567890')).toBeUndefined();
    expect(ifnameProblem('p-üü-123456789')).toMatch(/16 bytes/);
    expect(ifnameProblem('a/b')).toMatch(/not a valid/);
  });
});
