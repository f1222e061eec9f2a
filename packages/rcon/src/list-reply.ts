/** A player name as vanilla allows it; anything else in a `list` reply is not a player. */
const PLAYER_NAME = /^[A-Za-z0-9_]{1,16}$/;

/**
 * Pure: the players in vanilla's `list` reply ("There are N of a max of M players online: a, b"),
 * or undefined when the reply is not one (a bridge error, another server's wording). One copy for
 * the bridge (countdowns ask who is online) and mc-backup (presence).
 */
export function parseListReply(reply: string): string[] | undefined {
  const match = /^There are (\d+) of a max of \d+ players online:(.*)$/s.exec(reply.trim());
  if (!match) return undefined;
  if (Number(match[1]) === 0) return [];
  return (match[2] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => PLAYER_NAME.test(n));
}
