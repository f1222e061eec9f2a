import { protectedRanges } from './address.js';
import type { GuardConfig } from './config.js';
import type { PolicyOptions } from './policy.js';
import { compileRule } from './rules.js';

/** The policy the config describes; the daemon and `replay` use exactly the same one. */
export function policyOptions(config: GuardConfig): PolicyOptions {
  return {
    rules: config.rules.map(compileRule),
    protect: protectedRanges([...config.never_ban.lab, ...config.never_ban.vpn, ...config.never_ban.allow]),
    escalation: {
      baseMs: config.bans.base,
      factor: config.bans.factor,
      maxMs: config.bans.max,
      forgetMs: config.bans.forget_after,
    },
  };
}
