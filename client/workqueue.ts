// The controllers' work queue, as client-go's workqueue: a FIFO of keys with de-duplication
// (a key is queued at most once; one added while it is being processed runs again after done()),
// delayed adds, and per-item exponential back-off for failures. Unlike upstream it is bounded:
// at most `maxLen` distinct keys wait in it (ready or delayed). When full, add() refuses a new key
// and returns false, counts it in `dropped` and calls `onDrop`; the controller runner answers by
// resyncing every key from its informer once the queue has room again (a level-triggered sync
// loses nothing by that).

/** Upstream's workqueue.TypedRateLimiter. */
export interface RateLimiter<K> {
  /** How long to wait before the next retry of this item; counts a failure. */
  when(item: K): number;
  /** Forget the item's failures (after a success). */
  forget(item: K): void;
  numRequeues(item: K): number;
}

/** Upstream's ItemExponentialFailureRateLimiter: base·2^failures, capped at max. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  /** Defaults are upstream's DefaultControllerRateLimiter's per-item part: 5 ms doubling to 1000 s. */
  constructor(readonly baseMs = 5, readonly maxMs = 1_000_000) {}

  when(item: K): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity long after it passes any sane cap; min() handles both.
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

export interface WorkQueueOptions<K> {
  name?: string;
  /** Most distinct keys held (ready plus delayed). Default 100 000. */
  maxLen?: number;
  rateLimiter?: RateLimiter<K>;
  /** Called for each key refused because the queue is full. */
  onDrop?: (key: K) => void;
}

export const DEFAULT_MAX_LEN = 100_000;

export class WorkQueue<K = string> {
  readonly name: string;
  readonly maxLen: number;
  private readonly limiter: RateLimiter<K>;
  private readonly onDrop: ((key: K) => void) | undefined;
  /** Ready keys in order; `head` is the next one (so popping is O(1)). */
  private items: K[] = [];
  private head = 0;
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  /** Delayed keys (never also dirty: an immediate add supersedes a delayed one). */
  private readonly waiting = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly getters: Array<(key: K | undefined) => void> = [];
  private shuttingDown = false;
  /** Keys refused because the queue was full. */
  dropped = 0;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.name = opts.name ?? 'queue';
    this.maxLen = opts.maxLen ?? DEFAULT_MAX_LEN;
    if (!(this.maxLen > 0)) throw new Error(`workqueue ${this.name}: maxLen must be positive`);
    this.limiter = opts.rateLimiter ?? new ItemExponentialFailureRateLimiter<K>();
    this.onDrop = opts.onDrop;
  }

  /** Distinct keys held: ready, re-added while processing, or delayed. */
  size(): number {
    return this.dirty.size + this.waiting.size;
  }

  /** Keys ready to be handed out. */
  len(): number {
    return this.items.length - this.head;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Queues a key now. False when shut down or full (the key is then dropped). */
  add(key: K): boolean {
    if (this.shuttingDown) return false;
    if (this.dirty.has(key)) return true;
    const w = this.waiting.get(key);
    if (w) {
      clearTimeout(w.timer);
      this.waiting.delete(key);
    } else if (this.size() >= this.maxLen) {
      return this.drop(key);
    }
    this.dirty.add(key);
    if (!this.processing.has(key)) this.push(key);
    return true;
  }

  /** Queues a key after a delay; an earlier pending time for the same key wins. */
  addAfter(key: K, delayMs: number): boolean {
    if (this.shuttingDown) return false;
    if (!(delayMs > 0)) return this.add(key);
    if (this.dirty.has(key)) return true;
    const at = Date.now() + delayMs;
    const w = this.waiting.get(key);
    if (w) {
      if (w.at <= at) return true;
      clearTimeout(w.timer);
    } else if (this.size() >= this.maxLen) {
      return this.drop(key);
    }
    const timer = setTimeout(() => {
      if (this.waiting.get(key)?.timer !== timer) return;
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { at, timer });
    return true;
  }

  /** Queues a key after its back-off (a failure is counted). */
  addRateLimited(key: K): boolean {
    return this.addAfter(key, this.limiter.when(key));
  }

  /** Resets the key's back-off: call after it was processed successfully. */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  /** The next key, waiting for one; undefined once the queue is shut down. Call done(key) after. */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.len() > 0) return Promise.resolve(this.pop());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks a key processed; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /**
   * Stops the queue: adds are refused, get() answers undefined, and keys still waiting are
   * dropped (workers finish the key in hand; the next start re-lists everything anyway).
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    this.dirty.clear();
    this.items = [];
    this.head = 0;
    for (const g of this.getters.splice(0)) g(undefined);
  }

  private drop(key: K): false {
    this.dropped++;
    this.onDrop?.(key);
    return false;
  }

  private push(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
      return;
    }
    this.items.push(key);
  }

  private pop(): K {
    const key = this.items[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}
