/**
 * Waiting until nothing is in flight: a wait ends at once when `idle` holds, else at the first `settled()` after which
 * it does, or fails at its time limit saying what is still in flight, so that a run that hangs says where.
 */
export class Drain {
  private readonly waiters = new Set<(err?: Error) => void>();

  constructor(private readonly idle: () => boolean, private readonly describe: () => string) {}

  wait(timeoutMs: number): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => waiter(new Error(`not drained after ${timeoutMs} ms: ${this.describe()}`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  /** Something in flight has ended, or started another thing: the waiters are done if nothing is left. */
  settled(): void {
    if (this.idle()) for (const waiter of [...this.waiters]) waiter();
  }

  /** Every wait fails, saying why (the simulation stopped under it). */
  fail(why: string): void {
    for (const waiter of [...this.waiters]) waiter(new Error(why));
  }
}
