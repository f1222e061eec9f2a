/** One batch of re-wire requests: why, and which containers restarted (undefined: wire everything). */
export interface RewireBatch {
  reasons: string[];
  focus: Set<string> | undefined;
}

/**
 * Runs `rewire` whenever asked, never twice at once: requests while one runs make exactly one more
 * run afterwards, with all their reasons (events of one restart come in a burst).
 */
export interface Rewirer {
  /** `container`: only its links need wiring; without one, the whole lab. */
  request(reason: string, container?: string): void;
  /** Resolves when no run is in flight or pending. */
  idle(): Promise<void>;
}

export function createRewirer(rewire: (batch: RewireBatch) => Promise<void>): Rewirer {
  let running: Promise<void> | undefined;
  let queued: RewireBatch | undefined;
  const loop = async () => {
    while (queued) {
      const batch = queued;
      queued = undefined;
      await rewire(batch);
    }
    running = undefined;
  };
  return {
    request(reason, container) {
      const batch = queued ?? { reasons: [], focus: new Set<string>() };
      batch.reasons.push(reason);
      if (container === undefined) batch.focus = undefined;
      else batch.focus?.add(container);
      queued = batch;
      running ??= loop();
    },
    async idle() {
      while (running) await running;
    },
  };
}
