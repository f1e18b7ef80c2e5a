// A bound on the API calls one kubelet process has in flight: 500 simulated nodes share one
// connection pool, and a burst of pod creations must queue here rather than flood the server.

/** At most `max` calls run at once; the rest wait in arrival order. */
export class Limiter {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    }
  }
}
