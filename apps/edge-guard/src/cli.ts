import { appendFile, mkdir } from 'node:fs/promises';
import { defineSidecar, type SidecarDefinition, UsageError } from '@homelab/core';
import { parseTarget } from './address.js';
import { build } from './app.js';
import { envDocs, envSchema, type GuardConfig, loadGuardConfig } from './config.js';
import { formatBans } from './format.js';
import { createNft } from './nft.js';
import { removeBanScript } from './nft-script.js';
import { policyOptions } from './policy-options.js';
import { replayFile } from './replay.js';
import { stateFile, unbanSpoolPath } from './state.js';

type Flags = Record<string, string | boolean | string[] | undefined>;

const configOf = (flags: Flags, env: { EDGE_GUARD_CONFIG: string }): GuardConfig =>
  loadGuardConfig((flags.config as string | undefined) ?? env.EDGE_GUARD_CONFIG);

const json = { json: { type: 'boolean' as const, description: 'print JSON' } };

export const definition = {
  name: 'edge-guard',
  summary: "host daemon: bans abusive addresses seen in Caddy's access log, admits only DDNS-listed players to the Minecraft port",
  env: { schema: envSchema, prefixes: ['EDGE_GUARD_'], docs: envDocs },
  flags: { config: { type: 'string', description: 'the YAML config (default EDGE_GUARD_CONFIG)' } },
  logTo: 'stdout',
  service: {
    summary: 'follow the log, ban, re-assert the nft table every interval, keep the DDNS allowlist',
    build: (deps) => build(deps, { guard: configOf(deps.flags, deps.config) }),
  },
  commands: {
    replay: {
      summary: 'dry run: print what the rules would ban for a log file (nothing is changed)',
      usage: 'replay LOGFILE [--json]',
      flags: json,
      async run({ args, flags, config, io }) {
        const [file] = args;
        if (!file || args.length > 1) throw new UsageError('replay takes one LOGFILE');
        const result = await replayFile(file, policyOptions(configOf(flags, config)));
        if (flags.json) io.stdout(`${JSON.stringify(result)}\n`);
        else
          io.stdout(`${result.lines} lines, ${result.parsed} requests, ${result.decisions.length} bans\n${formatBans(result.decisions)}`);
        return 0;
      },
    },
    bans: {
      summary: 'list the bans in force with their reasons',
      flags: json,
      async run({ flags, config, io, clock }) {
        const state = await stateFile(configOf(flags, config).state_dir).read();
        const now = clock.now();
        const active = state.bans.filter((b) => b.until > now);
        io.stdout(flags.json ? `${JSON.stringify(active)}\n` : formatBans(active, now));
        return 0;
      },
    },
    unban: {
      summary: 'lift a ban now (an address or an IPv6 /64); its offense count is kept',
      usage: 'unban ADDR',
      async run({ args, flags, config, io, runner, clock }) {
        const target = args.length === 1 ? parseTarget(args[0] as string) : undefined;
        if (!target) throw new UsageError(`unban takes one address or IPv6 /64, got "${String(args.join(' ')).slice(0, 80)}"`);
        const guard = configOf(flags, config);
        const state = await stateFile(guard.state_dir).read();
        if (!state.bans.some((b) => b.target === target && b.until > clock.now())) {
          io.stderr(`${target} is not banned\n`);
          return 1;
        }
        // The request first, then the element: a re-assertion in between sees the request.
        await mkdir(guard.state_dir, { recursive: true, mode: 0o700 });
        await appendFile(unbanSpoolPath(guard.state_dir), `${target}\n`, { mode: 0o600 });
        await createNft(runner, config.EDGE_GUARD_NFT).apply(removeBanScript(target), 'unban');
        io.stdout(`unbanned ${target}\n`);
        return 0;
      },
    },
  },
} satisfies SidecarDefinition<typeof envSchema>;

export const cli = () => defineSidecar(definition);
