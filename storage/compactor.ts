// The periodic compactor, after upstream's (apiserver/pkg/storage/etcd3/compact.go): every
// interval it notes the current RV, and compacts to the RV it noted one window ago, so any watch
// or exact list younger than the window can still be served. It never compacts past the oldest
// RV a live watcher of any process still needs: capstan_members (each process's heartbeat) and
// this process's own watchers. Several API servers may each run one: the target is a minimum
// over every process, raising the compacted RV is monotonic, and the deletes are idempotent.
import type { SqlStore } from './sqlstore.ts';

export interface CompactorOptions {
  /** How often to sample the current RV and compact (ms); upstream's default interval is 5 min, ours 60 s. */
  intervalMs?: number;
  /** How much history to keep (ms): the compaction target is the RV seen this long ago. */
  windowMs?: number;
  /** A process not heard from for this long is taken as gone, and no longer holds history back (ms). */
  memberTimeoutMs?: number;
  logger?: (msg: string, err?: unknown) => void;
  /** Called after each compaction that raised the compacted RV. */
  onCompacted?: (rv: bigint) => void;
}

export interface Compactor {
  stop(): Promise<void>;
}

export interface RVSample {
  at: number;
  rv: bigint;
}

/**
 * The RV to compact to at `now`: the newest sample at least `windowMs` old, held back to `floor`
 * (the oldest RV still needed); undefined when that would not raise `compacted`. Also returns the
 * samples still worth keeping (the chosen one and every newer one).
 */
export function compactionTarget(samples: readonly RVSample[], now: number, windowMs: number, floor: bigint, compacted: bigint):
  { target: bigint | undefined; keep: RVSample[] } {
  let idx = -1;
  for (let i = 0; i < samples.length; i++) if (samples[i]!.at <= now - windowMs) idx = i;
  if (idx < 0) return { target: undefined, keep: [...samples] };
  const sampled = samples[idx]!.rv;
  const target = sampled < floor ? sampled : floor;
  return { target: target > compacted ? target : undefined, keep: samples.slice(idx) };
}

export function startCompactor(store: SqlStore, opts: CompactorOptions = {}): Compactor {
  const intervalMs = opts.intervalMs ?? 60_000;
  const windowMs = opts.windowMs ?? 5 * 60_000;
  const memberTimeoutMs = opts.memberTimeoutMs ?? 60_000;
  let samples: RVSample[] = [];
  let stopped = false;
  let running: Promise<void> | undefined;

  const tick = async (): Promise<void> => {
    try {
      samples.push({ at: Date.now(), rv: await store.currentRV() });
      // The floor is read last, just before compacting, so it is as fresh as it can be.
      const floor = await store.oldestNeededRV(memberTimeoutMs);
      const compacted = await store.compactedRV();
      const { target, keep } = compactionTarget(samples, Date.now(), windowMs, floor, compacted);
      samples = keep;
      if (target === undefined || stopped) return;
      const done = await store.compact(target);
      opts.onCompacted?.(done);
      // Forget processes long gone (they stopped holding history back at memberTimeoutMs).
      await store.forgetMembers(memberTimeoutMs * 10);
    } catch (err) {
      opts.logger?.('storage: compaction failed', err);
    }
  };

  const timer = setInterval(() => {
    if (running || stopped) return; // a slow compaction is not overlapped by the next tick
    running = tick().finally(() => { running = undefined; });
  }, intervalMs);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
