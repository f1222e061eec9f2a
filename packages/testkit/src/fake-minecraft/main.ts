// The fake Minecraft server as a process: node dist/fake-minecraft.js --port P --password-file F --world DIR
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { executeCommand, type GameState } from './commands.js';
import { readConsole } from './console.js';
import { VanillaLog } from './log.js';
import { leavePlayer } from './players.js';
import { RconListener } from './rcon-listener.js';
import { ServerThread } from './server-thread.js';
import { WorldWriter } from './world-writer.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '25575' },
    host: { type: 'string', default: '127.0.0.1' },
    'password-file': { type: 'string' },
    password: { type: 'string' },
    world: { type: 'string', default: 'world' },
    'log-dir': { type: 'string' },
    players: { type: 'string', default: '' },
    regions: { type: 'string', default: '6' },
    'region-kib': { type: 'string', default: '16' },
    'write-interval-ms': { type: 'string', default: '100' },
    'write-gap-ms': { type: 'string', default: '15' },
    'command-delay-ms': { type: 'string', default: '0' },
    'startup-ms': { type: 'string', default: '0' },
    'log-commands': { type: 'boolean', default: false },
  },
  strict: true,
});

const password = values['password-file'] ? readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '') : (values.password ?? '');
const worldDir = values.world;
const log = new VanillaLog(values['log-dir'] ?? join(dirname(worldDir), 'logs'));
const world = new WorldWriter({
  dir: worldDir,
  regions: Number(values.regions),
  regionBytes: Number(values['region-kib']) * 1024,
  intervalMs: Number(values['write-interval-ms']),
  writeGapMs: Number(values['write-gap-ms']),
});
const thread = new ServerThread(Number(values['command-delay-ms']));
let stopping: Promise<void> | undefined;

const game: GameState = {
  log,
  world,
  players: values.players ? values.players.split(',').filter(Boolean) : [],
  startedAt: Date.now(),
  ops: new Set(),
  whitelist: new Set(),
  requestStop: () => {
    // Vanilla leaves the tick loop after the current task: the reply goes out first.
    setTimeout(() => void shutdown(0), 20);
  },
};

// Vanilla's RconConsoleSource: ONE buffer for all RCON connections, cleared before each command.
let sharedOutput = '';
const runCommand = async (command: string): Promise<string> => {
  // Not vanilla: tests assert on the exact text that arrived (JSON shows CR, NUL, spaces).
  if (values['log-commands']) process.stdout.write(`fake: rcon command ${JSON.stringify(command)}\n`);
  sharedOutput = '';
  await thread.run(() =>
    executeCommand(game, command, (message, broadcast) => {
      sharedOutput += message;
      if (broadcast) log.info(`[Rcon: ${message}]`);
    }),
  );
  return sharedOutput;
};

const listener = new RconListener({ host: values.host, port: Number(values.port), password, log, runCommand });

async function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    log.info('Stopping server');
    listener.close();
    for (const name of [...game.players]) leavePlayer(game, name, 'Server closed');
    world.stop();
    log.info('Saving players');
    log.info('Saving worlds');
    log.info("Saving chunks for level 'ServerLevel[world]'/minecraft:overworld");
    await thread.run(() => world.flush());
    log.info('ThreadedAnvilChunkStorage (world): All chunks are saved');
    log.info('ThreadedAnvilChunkStorage: All dimensions are saved');
    process.exit(code);
  })();
  return stopping;
}

// The JVM runs its shutdown hook (which saves) on SIGTERM/SIGINT/SIGHUP and exits with 128 + signal.
process.on('SIGTERM', () => void shutdown(143));
process.on('SIGINT', () => void shutdown(130));
process.on('SIGHUP', () => void shutdown(129));

log.info('Starting minecraft server version 1.21.1');
readConsole(game, thread, process.stdin);
log.info(`Preparing level "${worldDir.split('/').pop() ?? 'world'}"`);
world.start();
setTimeout(async () => {
  log.info(`Done (${((Date.now() - game.startedAt) / 1000).toFixed(3)}s)! For help, type "help"`);
  log.info('Starting remote control listener');
  const port = await listener.listen().catch((error: Error) => {
    log.warn(`**** FAILED TO BIND TO PORT! ${error.message}`);
    process.exit(1);
  });
  log.info('Thread RCON Listener started');
  log.info(`RCON running on ${values.host}:${port}`);
}, Number(values['startup-ms']));
