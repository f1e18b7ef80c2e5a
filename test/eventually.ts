// Polling for a condition in tests: the value `fn` returns once it is neither undefined nor
// false, or an error naming what was awaited once the time is up. Tests poll rather than sleep,
// so they take as long as the system does and no longer.

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited, for the error. */
  what?: string;
}

export async function eventually<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  opts: number | EventuallyOptions = {},
): Promise<T> {
  const o = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`${o.what ?? 'condition'} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 50));
  }
}
