/**
 * What sshd's log lines (`sshd -e`, one per line) say about logins, pure. Only the lines OpenSSH
 * 9.x prints at LogLevel INFO are recognised; anything else is `other`.
 */
export type SshdEvent =
  | { kind: 'accepted'; user: string; port: number }
  | { kind: 'disconnected'; user: string; port: number }
  | { kind: 'refused'; user: string; reason: 'not-allowed' | 'bad-key' | 'invalid-user' | 'no-auth' }
  | { kind: 'listening' }
  | { kind: 'other' };

const NAME = '([a-z][a-z0-9_-]{0,31}|\\S+)';

const rules: [RegExp, (m: RegExpMatchArray) => SshdEvent][] = [
  [
    new RegExp(`^Accepted publickey for ${NAME} from \\S+ port (\\d+) `),
    (m) => ({ kind: 'accepted', user: m[1] as string, port: Number(m[2]) }),
  ],
  [
    new RegExp(`^Disconnected from user ${NAME} \\S+ port (\\d+)$`),
    (m) => ({ kind: 'disconnected', user: m[1] as string, port: Number(m[2]) }),
  ],
  [new RegExp(`^User ${NAME} from \\S+ not allowed because`), (m) => ({ kind: 'refused', user: m[1] as string, reason: 'not-allowed' })],
  [new RegExp(`^Invalid user ${NAME} from `), (m) => ({ kind: 'refused', user: m[1] as string, reason: 'invalid-user' })],
  [
    new RegExp(`^Failed publickey for (?:invalid user )?${NAME} from `),
    (m) => ({ kind: 'refused', user: m[1] as string, reason: 'bad-key' }),
  ],
  [
    new RegExp(`^Connection closed by authenticating user ${NAME} \\S+ port \\d+ \\[preauth\\]$`),
    (m) => ({ kind: 'refused', user: m[1] as string, reason: 'no-auth' }),
  ],
  [/^Server listening on /, () => ({ kind: 'listening' })],
];

export function parseSshdLine(line: string): SshdEvent {
  for (const [pattern, make] of rules) {
    const m = line.match(pattern);
    if (m) return make(m);
  }
  return { kind: 'other' };
}
