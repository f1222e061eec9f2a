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

  it('allows 15 bytes from a safe set and nothing a config file would read', () => {
    expect(ifnameProblem('p-lbmt_dark.123')).toBeUndefined();
    expect(ifnameProblem('p-lbmt-darkroom1')).toMatch(/16 bytes/);
    for (const bad of ['a/b', 'p-ü-1', 'a"b', 'a;b', 'a#b', 'a b', 'a\nb', '', '.', '..', '-x', 'a{b}', "a'b"])
      expect(ifnameProblem(bad), bad).toMatch(/not a valid interface name/);
  });
});
