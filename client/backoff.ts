// Back-off for loops that restart after errors (informers, leader election), as apimachinery's
// wait.Backoff: each step multiplies the delay by `factor` up to `maxMs`, with random jitter.

export class Backoff {
  private current: number;

  /** Defaults are upstream reflector's: 800 ms doubling to 30 s, jitter 1.0. */
  constructor(readonly initialMs = 800, readonly maxMs = 30_000, readonly factor = 2, readonly jitter = 1.0, private readonly random: () => number = Math.random) {
    this.current = initialMs;
  }

  /** The next delay; later calls wait longer until reset(). */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.current * this.factor, this.maxMs);
    return Math.min(base * (1 + this.jitter * this.random()), this.maxMs * (1 + this.jitter));
  }

  reset(): void {
    this.current = this.initialMs;
  }
}

/** Waits `ms`, or less if the signal aborts first (it never throws). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
