import { RconClient } from '@homelab/rcon';
import { closeAfter, startBridge, startProcess, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

useCleanup();

describe('rcon-bridge upstream reconnects', () => {
  it('fails fast while the server is gone, readiness goes false then true, and it reconnects on its own', async () => {
    const { socket, mc, bridge } = await startBridge();
    const client = new RconClient({ target: { path: socket }, password: '' });
    closeAfter(() => client.close());
    expect(await client.command('list')).toMatch(/^There are 0/);

    mc.proc.signal('SIGKILL');
    await mc.proc.exited;
    await waitFor(async () => (await bridge.readyz()).status === 503, { what: 'readiness to go false' });
    expect((await bridge.readyz()).body).toMatchObject({ ready: false, checks: { upstream: { ok: false } } });

    const started = Date.now();
    const reply = await client.command('list');
    expect(reply).toMatch(/^rcon-bridge: error: not connected to RCON at 127\.0\.0\.1:\d+ \(reconnecting\)/);
    // Far below the 120 s command timeout: it failed at once instead of waiting.
    expect(Date.now() - started).toBeLessThan(5_000);

    const again = startProcess(process.execPath, mc.argv, { label: 'fake-minecraft-restarted' });
    await again.waitForLine(/RCON running on/);
    await waitFor(async () => (await bridge.readyz()).status === 200, { timeoutMs: 15_000, what: 'readiness to come back' });
    expect(await client.command('list')).toMatch(/^There are 0/);
    const metrics = await bridge.metrics();
    expect(metrics).toMatch(/rcon_bridge_upstream_reconnects\{app="rcon-bridge"\} 1/);
    expect(metrics).toMatch(/rcon_bridge_command_errors_total\{reason="DISCONNECTED",app="rcon-bridge"\} 1/);
    expect(metrics).toMatch(/rcon_bridge_upstream_up\{app="rcon-bridge"\} 1/);
    expect(metrics).toMatch(/rcon_bridge_queue_depth\{app="rcon-bridge"\} 0/);
    expect(bridge.proc.exitInfo).toBeUndefined();
  });
});
