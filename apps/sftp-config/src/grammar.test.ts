import { describe, expect, it } from 'vitest';
import { parsePublicKey } from './grammar.js';

// A real ed25519 public key (ssh-keygen output), and the same blob claimed as another type.
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIOn/ndpS4YRrSJ/VD92Wk/bFHpGqgoxCsr703+7WhpcX';

describe('parsePublicKey', () => {
  it('accepts a well-formed key and keeps only a safe comment', () => {
    expect(parsePublicKey(`ssh-ed25519 ${ED} laptop@home`)).toEqual({ type: 'ssh-ed25519', base64: ED, comment: 'laptop@home' });
    expect(parsePublicKey(`ssh-ed25519 ${ED} evil" comment`)).toEqual({ type: 'ssh-ed25519', base64: ED, comment: '' });
  });

  it.each([
    [`command="sh" ssh-ed25519 ${ED}`, /unknown key type/],
    [`ssh-dss ${ED}`, /unknown key type/],
    [`ssh-rsa ${ED}`, /does not hold a ssh-rsa key/],
    ['ssh-ed25519 not*base64', /not valid base64/],
    [`ssh-ed25519 ${ED}\nssh-ed25519 ${ED}`, /control character/],
    ['ssh-ed25519', /expected "TYPE BASE64/],
  ])('refuses %j', (line, why) => {
    expect(parsePublicKey(line)).toMatch(why);
  });
});
