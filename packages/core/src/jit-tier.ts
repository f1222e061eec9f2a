import type { Logger } from './logger.js';

/**
 * How far V8 may compile a service's JavaScript, declared as `service.jitTier`:
 * - `optimizing` (the default, V8's own): hot functions go on to TurboFan.
 * - `baseline`: nothing goes past Sparkplug, V8's baseline compiler (`--max-opt=1`).
 * - `interpreter`: nothing leaves Ignition, V8's interpreter (`--max-opt=0`).
 *
 * The first function TurboFan optimizes pages in about 3.5 MiB of the node binary's compiler code,
 * and every compile leaves zone memory in the malloc arenas of V8's background threads; none of it
 * is returned. Sparkplug's code for what runs at start (fastify, zod, yaml, execa) is another
 * 0.3-1 MiB. A sidecar whose start runs something hot once (labctl parsing lab.yaml, wg-agent's
 * commands, proxy-stats copying goaccess's database) pays that for good, at idle, for code that
 * never runs hot again. The price is peak speed: code that stays hot (edge-guard's log parser) runs
 * several times slower. docs/architecture.md "## Memory".
 */
export type JitTier = 'interpreter' | 'baseline' | 'optimizing';

/** The V8 flag of each tier that is not V8's default. */
const FLAGS: Record<Exclude<JitTier, 'optimizing'>, string> = { interpreter: '--max-opt=0', baseline: '--max-opt=1' };

/**
 * Applies a declared tier to the whole process (V8 flags are process-wide). runSidecarService calls
 * it before the service's build, so nothing hot of the service runs first. NODE_OPTIONS does not
 * accept the flag, hence `v8.setFlagsFromString`; `node:v8` is imported here, on demand, so a
 * sidecar that declares no tier (and every one-shot command) never loads it.
 */
export async function applyJitTier(tier: JitTier | undefined, log: Logger): Promise<void> {
  if (tier === undefined || tier === 'optimizing') return;
  const flag = FLAGS[tier];
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString(flag);
  log.debug({ jitTier: tier, v8Flag: flag }, 'JavaScript stays below the optimizing compiler');
}
