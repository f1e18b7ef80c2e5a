// Node heartbeats through coordination.k8s.io/v1 Leases in kube-node-lease, for any number of
// nodes from one loop (upstream: component-helpers' lease controller, one per kubelet), each
// through its own node's API client (the Node authorizer lets a node touch only its own). Each node's
// Lease is named after it, held by it, lasts 40 s and is renewed every 10 s with a PUT of the last
// copy; on a failure the next try reads (or creates) it afresh. Its owner is the Node, so that a
// deleted Node takes its Lease with it.
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { isAlreadyExists, isNotFound, resources, type RestClient } from '../client/index.ts';
import type { Limiter } from './limiter.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLeasesOptions {
  limiter: Limiter;
  /** Upstream: 10 s (a quarter of the duration). */
  intervalMs: number;
  /** Upstream: 40 s. */
  durationSeconds: number;
  log(msg: string): void;
  now?: () => number;
}

interface Entry {
  name: string;
  nodeUid: string;
  rest: RestClient;
  lease?: V1Lease;
  dueAt: number;
  failures: number;
  renewing: boolean;
}

export class NodeLeases {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private wake?: () => void;

  constructor(private readonly o: NodeLeasesOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Starts heartbeats for a registered node, through its client; many added at once are spread over one interval. */
  add(name: string, nodeUid: string, rest: RestClient): void {
    const existing = this.entries.get(name);
    if (existing) { existing.nodeUid = nodeUid; existing.rest = rest; return; }
    const spread = this.entries.size === 0 ? 0 : Math.random() * this.o.intervalMs;
    this.entries.set(name, { name, nodeUid, rest, dueAt: this.now() + spread, failures: 0, renewing: false });
    this.wake?.();
  }

  remove(name: string): void {
    this.entries.delete(name);
  }

  /** Renews every due lease until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (!signal.aborted) {
      const now = this.now();
      let nextDue = now + this.o.intervalMs;
      for (const e of this.entries.values()) {
        if (e.renewing) continue;
        if (e.dueAt <= now) {
          e.renewing = true;
          const p = this.renew(e, signal).finally(() => { e.renewing = false; inFlight.delete(p); });
          inFlight.add(p);
        } else nextDue = Math.min(nextDue, e.dueAt);
      }
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(t); this.wake = undefined; signal.removeEventListener('abort', done); resolve(); };
        const t = setTimeout(done, Math.max(10, nextDue - this.now()));
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
    await Promise.allSettled([...inFlight]);
  }

  private async renew(e: Entry, signal: AbortSignal): Promise<void> {
    try {
      const desired = this.desired(e);
      let written: V1Lease | undefined;
      if (e.lease) {
        try {
          written = await this.o.limiter.run(() => e.rest.update(resources.leases, NODE_LEASE_NAMESPACE, desired, { signal }));
        } catch {
          // Stale copy, or the lease is gone: read it afresh below.
          e.lease = undefined;
          if (signal.aborted) return;
        }
      }
      if (!written) written = await this.ensure(e, signal);
      e.lease = written;
      e.failures = 0;
      e.dueAt = this.now() + this.o.intervalMs;
    } catch (err) {
      if (signal.aborted) return;
      e.failures++;
      // Upstream retries a failed renewal quickly, backing off up to the renew interval.
      const delay = Math.min(this.o.intervalMs, 200 * 2 ** Math.min(e.failures, 10));
      e.dueAt = this.now() + delay;
      if (e.failures === 1 || e.failures % 10 === 0) this.o.log(`kubelet ${e.name}: lease renewal failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** Reads the lease and renews it, or creates it. */
  private async ensure(e: Entry, signal: AbortSignal): Promise<V1Lease> {
    let current: V1Lease | undefined;
    try {
      current = await this.o.limiter.run(() => e.rest.get(resources.leases, NODE_LEASE_NAMESPACE, e.name, { signal }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (current) {
      e.lease = current;
      return this.o.limiter.run(() => e.rest.update(resources.leases, NODE_LEASE_NAMESPACE, this.desired(e), { signal }));
    }
    try {
      return await this.o.limiter.run(() => e.rest.create(resources.leases, NODE_LEASE_NAMESPACE, this.desired(e), { signal }));
    } catch (err) {
      if (isAlreadyExists(err)) throw new Error('lease created concurrently; retrying');
      throw err;
    }
  }

  private desired(e: Entry): V1Lease {
    const base = e.lease;
    const owners = base?.metadata?.ownerReferences?.length
      ? base.metadata.ownerReferences
      : [{ apiVersion: 'v1', kind: 'Node', name: e.name, uid: e.nodeUid }];
    return {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { ...(base?.metadata ?? {}), name: e.name, namespace: NODE_LEASE_NAMESPACE, ownerReferences: owners },
      spec: {
        ...(base?.spec ?? {}),
        holderIdentity: e.name,
        leaseDurationSeconds: this.o.durationSeconds,
        renewTime: new V1MicroTime(this.now()),
      },
    };
  }
}
