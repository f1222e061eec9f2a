import { execFileSync } from 'node:child_process';
import { appBundle, startApp, startBridge, useCleanup, waitFor } from '@homelab/testkit';
import { afterEach, describe, expect, it } from 'vitest';

useCleanup();
const tmuxSocket = `mcc-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', tmuxSocket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
afterEach(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
});
const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'mc', '-S', '-500');
const type = (text: string) => {
  tmux('send-keys', '-t', 'mc', '-l', text);
  tmux('send-keys', '-t', 'mc', 'Enter');
};

describe('mc-console interactive (in tmux)', () => {
  it('shows log lines and command output, and survives a bridge restart', async () => {
    const setup = await startBridge();
    const { socket, logSocket, bridge, mc } = setup;
    const env = `CONSOLE_SOCKET=${socket} CONSOLE_LOG_SOCKET=${logSocket}`;
    tmux('new-session', '-d', '-s', 'mc', '-x', '160', '-y', '50', `env ${env} ${process.execPath} ${appBundle('mc-console')}`);
    await waitFor(() => /\[mc-console\] connected to/.test(screen()), { what: 'the console to connect', timeoutMs: 15_000 });

    type('list');
    await waitFor(() => /^There are 0 of a max of 20 players online:/m.test(screen()), { what: 'the list reply on screen' });
    type('say hello-from-console');
    await waitFor(() => /\[Server thread\/INFO\]: \[Rcon\] hello-from-console/.test(screen()), { what: 'the log line on screen' });

    await bridge.proc.stop();
    await waitFor(() => /log stream lost; reconnecting/.test(screen()), { what: 'the console to notice' });
    const again = await startApp('rcon-bridge', ['run'], {
      env: {
        RCON_HOST: '127.0.0.1',
        RCON_PORT: String(mc.port),
        RCON_PASSWORD_FILE: mc.passwordFile,
        BRIDGE_SOCKET: socket,
        BRIDGE_LOG_SOCKET: logSocket,
        BRIDGE_LOG_FILE: mc.logFile,
      },
    });
    await waitFor(() => /\[mc-console\] reconnected to/.test(screen()) && /log stream reconnected/.test(screen()), {
      what: 'the console to reconnect',
      timeoutMs: 15_000,
    });
    type('echo after-restart');
    await waitFor(() => /^after-restart$/m.test(screen()), { what: 'a reply after the restart' });
    type('say after-restart-log');
    await waitFor(() => /\[Rcon\] after-restart-log/.test(screen()), { what: 'a log line after the restart' });
    // The history replayed on reconnect is not shown twice.
    expect(screen().match(/\[Rcon\] hello-from-console/g)).toHaveLength(1);
    type('exit');
    const sessionGone = () => {
      try {
        return !tmux('list-sessions').includes('mc:');
      } catch {
        return true; // the tmux server quit with its last session
      }
    };
    await waitFor(sessionGone, { what: 'the console to exit on "exit"' });
    expect(again.proc.exitInfo).toBeUndefined();
  });
});
