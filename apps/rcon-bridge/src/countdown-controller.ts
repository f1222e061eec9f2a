import type { Clock, Logger } from '@homelab/core';
import { type BridgeAction, countdownText, humanDuration, planCountdown } from './countdown.js';
import { BRIDGE_REPLY_PREFIX } from './policy.js';

export interface CountdownDeps {
  /** Says a line in game (`say` upstream). */
  say(text: string): Promise<void>;
  /** Who is online (`list` upstream); undefined when it cannot be told (then the countdown runs). */
  online(): Promise<string[] | undefined>;
  /** Restarts or stops the server. */
  act(action: BridgeAction): Promise<void>;
  clock: Clock;
  log: Logger;
  stepsMs: readonly number[];
  text: string;
}

interface Running {
  action: BridgeAction;
  actAt: number;
  abort: AbortController;
  done: Promise<void>;
}

/** Answers to a bridge command that did what was asked; refusals keep the `rcon-bridge: ` prefix (mc-console exits 1 on those). */
export const BRIDGE_OK_PREFIX = 'bridge: ';
const reply = (text: string) => `${BRIDGE_OK_PREFIX}${text}`;
const refuse = (text: string) => `${BRIDGE_REPLY_PREFIX}refused: ${text}`;

/** One announced restart or stop at a time: counts down in game, skips to the end when nobody is online, cancellable. */
export class CountdownController {
  private running: Running | undefined;

  constructor(private readonly deps: CountdownDeps) {}

  get active(): { action: BridgeAction; actAt: number } | undefined {
    return this.running && { action: this.running.action, actAt: this.running.actAt };
  }

  /** Starts a countdown; resolves with the reply for the client once it is under way (not when it ends). */
  async request(action: BridgeAction, reason: string): Promise<string> {
    if (this.running) {
      const left = humanDuration(Math.max(0, this.running.actAt - this.deps.clock.now()));
      return refuse(`a ${this.running.action} is already counting down (in ${left}); "bridge:cancel" cancels it`);
    }
    const online = await this.deps.online();
    const started = this.start(action, reason, online);
    void started.done.catch(() => {});
    if (online?.length === 0) return reply(`nobody online: ${action === 'restart' ? 'restarting' : 'stopping'} now`);
    const steps = this.deps.stepsMs.map(humanDuration).join(', ');
    return reply(
      `${action === 'restart' ? 'restarting' : 'stopping'} in ${humanDuration(this.deps.stepsMs[0] ?? 0)} (announced at ${steps}); "bridge:cancel" cancels`,
    );
  }

  /** For SIGTERM: the stop countdown, awaited to its end; the caller stops the server itself. */
  async runToEnd(action: BridgeAction, reason: string): Promise<void> {
    if (this.running) this.running.abort.abort();
    await this.start(action, reason, await this.deps.online(), false).done;
  }

  cancel(): string {
    if (!this.running) return refuse('nothing to cancel: no restart or stop is counting down');
    const { action } = this.running;
    this.running.abort.abort();
    return reply(`${action} cancelled`);
  }

  status(): string {
    if (!this.running) return reply('no restart or stop is counting down');
    return reply(`${this.running.action} in ${humanDuration(Math.max(0, this.running.actAt - this.deps.clock.now()))}`);
  }

  private start(action: BridgeAction, reason: string, online: string[] | undefined, act = true): Running {
    const { clock, log } = this.deps;
    const abort = new AbortController();
    const plan = planCountdown(online?.length === 0 ? [] : this.deps.stepsMs, clock.now());
    const running: Running = { action, actAt: plan.actAt, abort, done: Promise.resolve() };
    const aborted = new Promise<'aborted'>((resolve) => abort.signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
    const waitUntil = async (at: number): Promise<boolean> => {
      if (at <= clock.now()) return !abort.signal.aborted;
      return (await Promise.race([clock.sleep(at - clock.now()).then(() => 'ok' as const), aborted])) === 'ok';
    };
    running.done = (async () => {
      log.info({ action, reason, online, actAt: new Date(plan.actAt).toISOString() }, `${action} requested`);
      try {
        let emptied = false;
        for (const [i, step] of plan.announcements.entries()) {
          if (!(await waitUntil(step.at))) break;
          // Everyone left meanwhile: no one to warn, go ahead now.
          if (i > 0 && (await this.deps.online())?.length === 0) {
            emptied = true;
            break;
          }
          await this.deps
            .say(countdownText(this.deps.text, action, step.remainingMs, reason))
            .catch((error) => log.warn({ error: String(error) }, 'announcement failed'));
        }
        if (!emptied && !abort.signal.aborted) await waitUntil(plan.actAt);
        if (abort.signal.aborted) {
          log.info({ action }, `${action} cancelled`);
          await this.deps.say(`[server] ${action} cancelled`).catch(() => {});
          return;
        }
        if (this.running === running) this.running = undefined;
        log.info({ action }, `${action}: countdown over`);
        if (act) await this.deps.act(action);
      } finally {
        if (this.running === running) this.running = undefined;
      }
    })();
    this.running = running;
    return running;
  }
}
