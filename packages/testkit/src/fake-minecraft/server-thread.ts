/** Vanilla runs every command on the one server thread: a strict FIFO of tasks. */
export class ServerThread {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly taskDelayMs = 0) {}

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.chain.then(async () => {
      if (this.taskDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.taskDelayMs));
      return task();
    });
    this.chain = result.catch(() => {});
    return result;
  }
}
