/** Log lines fanned out to subscribers, with the last `history` lines kept for new ones. */
export class LogHub {
  private readonly ring: string[] = [];
  private readonly subscribers = new Set<(line: string) => void>();

  constructor(private readonly history: number) {}

  push(line: string): void {
    if (this.history > 0) {
      this.ring.push(line);
      if (this.ring.length > this.history) this.ring.splice(0, this.ring.length - this.history);
    }
    for (const subscriber of this.subscribers) subscriber(line);
  }

  /** Calls `onLine` with the history, then with every new line until the returned function is called. */
  subscribe(onLine: (line: string) => void): () => void {
    for (const line of this.ring) onLine(line);
    this.subscribers.add(onLine);
    return () => this.subscribers.delete(onLine);
  }

  /** The history as it is now, and every new line from here on (for writers that pace the history). */
  attach(onLine: (line: string) => void): { history: readonly string[]; detach(): void } {
    const history = this.ring.slice();
    this.subscribers.add(onLine);
    return { history, detach: () => this.subscribers.delete(onLine) };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  get lines(): readonly string[] {
    return this.ring;
  }
}
