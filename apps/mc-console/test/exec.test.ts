import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBundle, startBridge, startProcess, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

useCleanup();

async function mcConsole(args: string[], env: Record<string, string>) {
  const proc = startProcess(process.execPath, [appBundle('mc-console'), ...args], { env, label: 'mc-console' });
  const exit = await proc.waitExit(20_000);
  return { code: exit.code, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n') };
}

describe('mc-console exec', () => {
  it('prints the full answer and exits 0; a refusal or an unreachable bridge exits 1', async () => {
    const { socket, backupSocket, dir } = await startBridge({ mc: { players: ['steve'] } });
    const list = await mcConsole(['exec', 'list'], { CONSOLE_SOCKET: socket });
    expect(list).toMatchObject({ code: 0, stdout: 'There are 1 of a max of 20 players online: steve' });
    const big = await mcConsole(['exec', 'bigreply', '9000'], { CONSOLE_SOCKET: socket });
    expect(big.code).toBe(0);
    expect(big.stdout).toHaveLength(9000);
    const refused = await mcConsole(['exec', 'op', 'steve'], { CONSOLE_SOCKET: backupSocket });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^rcon-bridge: refused "op steve": "op" is not allowed on the backup socket/);
    const down = await mcConsole(['exec', 'list'], { CONSOLE_SOCKET: `${dir}/nothing.sock` });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^mc-console: cannot connect to RCON at .*nothing\.sock/);
    const usage = await mcConsole(['exec'], { CONSOLE_SOCKET: socket });
    expect(usage.code).toBe(2);
  });

  it('logs in with CONSOLE_PASSWORD_FILE when the bridge socket has a password; a wrong one exits 1', async () => {
    const { socket, dir } = await startBridge({ env: { BRIDGE_SOCKET_PASSWORD: 'console-pw' } });
    writeFileSync(join(dir, 'console-pw'), 'console-pw\n');
    const ok = await mcConsole(['exec', 'time', 'query', 'gametime'], {
      CONSOLE_SOCKET: socket,
      CONSOLE_PASSWORD_FILE: join(dir, 'console-pw'),
    });
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/^The time is \d+$/) });
    const wrong = await mcConsole(['exec', 'list'], { CONSOLE_SOCKET: socket, CONSOLE_PASSWORD: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/rejected the password/);
  });
});
