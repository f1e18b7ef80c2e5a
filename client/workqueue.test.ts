import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ItemExponentialFailureRateLimiter, WorkQueue } from './workqueue.ts';

describe('ItemExponentialFailureRateLimiter', () => {
  it('waits 5 ms doubling per failure up to 1000 s, as upstream DefaultControllerRateLimiter', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>();
    const delays = Array.from({ length: 20 }, () => rl.when('a'));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(delays[17]).toBe(655_360);
    expect(delays[18]).toBe(1_000_000);
    expect(delays[19]).toBe(1_000_000);
    expect(rl.numRequeues('a')).toBe(20);
    for (let i = 0; i < 2000; i++) rl.when('a');
    expect(rl.when('a')).toBe(1_000_000);
  });

  it('keeps failures per item and forgets them', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(1, 100);
    rl.when('a'); rl.when('a');
    expect(rl.when('b')).toBe(1);
    expect(rl.when('a')).toBe(4);
    rl.forget('a');
    expect(rl.numRequeues('a')).toBe(0);
    expect(rl.when('a')).toBe(1);
  });
});

describe('WorkQueue', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('hands out keys in order and de-duplicates keys not yet taken', async () => {
    const q = new WorkQueue<string>();
    q.add('a'); q.add('b'); q.add('a'); q.add('c');
    expect(q.len()).toBe(3);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(await q.get()).toBe('c');
    expect(q.len()).toBe(0);
  });

  it('runs a key added while it is processed again after done(), never concurrently', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const k = await q.get();
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    q.done(k!);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting get() on add', async () => {
    const q = new WorkQueue<string>();
    const p = q.get();
    q.add('x');
    expect(await p).toBe('x');
  });

  it('adds after a delay, the earliest of several delays winning, an immediate add superseding', async () => {
    const q = new WorkQueue<string>();
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    expect(q.len()).toBe(0);
    expect(q.size()).toBe(1);
    await vi.advanceTimersByTimeAsync(49);
    expect(q.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');

    q.addAfter('b', 100);
    q.add('b');
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('b');
    q.done('b');
    await vi.advanceTimersByTimeAsync(200);
    expect(q.len()).toBe(0);
  });

  it('re-queues a failing key with growing back-off until forgotten', async () => {
    const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000) });
    q.addRateLimited('k');
    await vi.advanceTimersByTimeAsync(9);
    expect(q.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.len()).toBe(1);
    await q.get(); q.done('k');
    q.addRateLimited('k');
    await vi.advanceTimersByTimeAsync(19);
    expect(q.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues('k')).toBe(2);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('refuses new keys beyond maxLen (ready and delayed), counts and reports them', () => {
    const dropped: string[] = [];
    const q = new WorkQueue<string>({ maxLen: 3, onDrop: (k) => dropped.push(k) });
    expect(q.add('a')).toBe(true);
    expect(q.add('b')).toBe(true);
    expect(q.addAfter('c', 1000)).toBe(true);
    expect(q.add('d')).toBe(false);
    expect(q.addAfter('e', 10)).toBe(false);
    // Keys already held are still accepted (de-duplicated), and a delayed key may become ready.
    expect(q.add('a')).toBe(true);
    expect(q.add('c')).toBe(true);
    expect(q.size()).toBe(3);
    expect(q.dropped).toBe(2);
    expect(dropped).toEqual(['d', 'e']);
  });

  it('makes room as keys are taken', async () => {
    const q = new WorkQueue<string>({ maxLen: 1 });
    q.add('a');
    expect(q.add('b')).toBe(false);
    await q.get();
    expect(q.add('b')).toBe(true);
  });

  it('shuts down: waiting get()s answer undefined, adds are refused, delayed keys dropped', async () => {
    const q = new WorkQueue<string>();
    const p = q.get();
    q.addAfter('later', 100);
    q.shutDown();
    expect(await p).toBeUndefined();
    expect(await q.get()).toBeUndefined();
    expect(q.add('x')).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(q.len()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a non-positive maxLen', () => {
    expect(() => new WorkQueue({ maxLen: 0 })).toThrow(/maxLen/);
  });
});
