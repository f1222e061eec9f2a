import { appBundle, startProcess, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

useCleanup();

async function run(env: Record<string, string>, args: string[] = []) {
  const proc = startProcess(process.execPath, [appBundle('rcon-bridge'), ...args], { env, cleanEnv: true, label: 'rcon-bridge' });
  const exit = await proc.waitExit();
  return { code: exit.code, stderr: proc.stderr.join('\n') };
}

describe('rcon-bridge config', () => {
  it('stops with exit 2 and one line naming the key on a bad value, a typo or a missing password', async () => {
    expect(await run({})).toMatchObject({ code: 2, stderr: expect.stringMatching(/RCON_PASSWORD: is required/) });
    expect(await run({ RCON_PASSWORD: 'x', BRIDGE_SOCKET_MODE: '999' })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/BRIDGE_SOCKET_MODE: expected an octal file mode such as 0660/),
    });
    expect(await run({ RCON_PASSWORD: 'x', BRIDGE_SOKET: '/x' })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/BRIDGE_SOKET: unknown setting/),
    });
    expect(await run({ RCON_PASSWORD: 'x', BRIDGE_STOP_TIMEOUT: 'soon' })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/BRIDGE_STOP_TIMEOUT: "soon" is not a duration/),
    });
    // Node timers overflow past 2^31-1 ms: 30d would time out at once, so it is refused (issue 12).
    const tooLong = await run({ RCON_PASSWORD: 'x', BRIDGE_COMMAND_TIMEOUT: '30d' });
    expect(tooLong).toMatchObject({ code: 2, stderr: expect.stringMatching(/BRIDGE_COMMAND_TIMEOUT: 30d is longer than the maximum 24d/) });
    expect(tooLong.stderr.trim().split('\n')).toHaveLength(1);
    expect(await run({ RCON_PASSWORD: 'x' }, ['run', 'java'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/put the server command after "--"/),
    });
  });
});
