/** What the presence policy learns from one line of the server log (vanilla 1.21 wording). */
export type LogEvent = { kind: 'join' | 'leave'; name: string } | { kind: 'server-start' } | { kind: 'server-stop' };

// Anchored on vanilla's prefix and a strict player name, so chat (`<Steve> Alex joined the game`),
// `say` (`[Rcon] ...`, `[Server] ...`) and other threads cannot fake a join or a leave.
const PREFIX = String.raw`^\[\d\d:\d\d:\d\d\] \[Server thread/INFO\]: `;
const JOIN = new RegExp(`${PREFIX}([A-Za-z0-9_]{1,16}) joined the game$`);
const LEAVE = new RegExp(`${PREFIX}([A-Za-z0-9_]{1,16}) left the game$`);
const STARTED = new RegExp(`${PREFIX}Done \\([0-9.,]+s\\)! For help, type "help"$`);
const STOPPING = new RegExp(`${PREFIX}Stopping server$`);

/** Pure: a log line to an event, or undefined for every other line. */
export function parseLogLine(line: string): LogEvent | undefined {
  const join = JOIN.exec(line);
  if (join?.[1]) return { kind: 'join', name: join[1] };
  const leave = LEAVE.exec(line);
  if (leave?.[1]) return { kind: 'leave', name: leave[1] };
  if (STARTED.test(line)) return { kind: 'server-start' };
  if (STOPPING.test(line)) return { kind: 'server-stop' };
  return undefined;
}
