// Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection
// package: candidates try to acquire or renew the lease every retry period; a lease held by
// another is respected until leaseDuration has passed since this candidate last saw it change
// (by its own clock: holders' clocks are never compared); a leader that cannot renew within the
// renew deadline stops leading. The decision is a pure function (tryAcquireOrRenew) with time as a
// parameter; the loop around it does the I/O.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { Backoff, sleep } from './backoff.ts';
import { millisOf } from './codec.ts';
import { isNotFound, resource, type RestClient } from './rest.ts';

export const leasesResource = resource<V1Lease>('coordination.k8s.io/v1/leases', { model: 'V1Lease', kind: 'Lease', namespaced: true });

/** Upstream's LeaderElectionRecord, times in epoch milliseconds. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

/** The last record this candidate saw, and when (by its own clock) it saw it change. */
export interface Observed {
  record: LeaderElectionRecord;
  observedAt: number;
}

export function recordOf(lease: V1Lease): LeaderElectionRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: millisOf(s.acquireTime) ?? 0,
    renewTime: millisOf(s.renewTime) ?? 0,
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

const sameRecord = (a: LeaderElectionRecord, b: LeaderElectionRecord) => JSON.stringify(a) === JSON.stringify(b);

export type Decision =
  | { action: 'create' | 'update'; record: LeaderElectionRecord; observed: Observed }
  | { action: 'wait'; observed: Observed; holder: string };

/**
 * Upstream's tryAcquireOrRenew, without I/O: given the lease as read (undefined when absent), what
 * to write, if anything. A successful write makes the caller leader; `wait` means another holds it.
 */
export function tryAcquireOrRenew(input: {
  lease: V1Lease | undefined;
  identity: string;
  leaseDurationSeconds: number;
  now: number;
  observed: Observed | undefined;
}): Decision {
  const { identity, now } = input;
  const desired: LeaderElectionRecord = {
    holderIdentity: identity, leaseDurationSeconds: input.leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0,
  };
  if (!input.lease) return { action: 'create', record: desired, observed: { record: desired, observedAt: now } };

  const current = recordOf(input.lease);
  let observed = input.observed;
  if (!observed || !sameRecord(observed.record, current)) observed = { record: current, observedAt: now };
  const held = current.holderIdentity !== '';
  const valid = observed.observedAt + current.leaseDurationSeconds * 1000 > now;
  if (held && valid && current.holderIdentity !== identity) return { action: 'wait', observed, holder: current.holderIdentity };

  if (current.holderIdentity === identity) {
    desired.acquireTime = current.acquireTime;
    desired.leaseTransitions = current.leaseTransitions;
  } else {
    desired.leaseTransitions = current.leaseTransitions + 1;
  }
  return { action: 'update', record: desired, observed };
}

/** The record a leader writes when it steps down (upstream's release()). */
export function releasedRecord(current: LeaderElectionRecord, now: number): LeaderElectionRecord {
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.leaseTransitions };
}

/** The Lease operations leader election needs. */
export interface LeaseClient {
  get(): Promise<V1Lease | undefined>;
  create(lease: V1Lease): Promise<V1Lease>;
  /** A PUT: the lease's resourceVersion is the precondition. */
  update(lease: V1Lease): Promise<V1Lease>;
}

export function restLeaseClient(rest: RestClient, namespace: string, name: string): LeaseClient {
  return {
    async get() {
      try {
        return await rest.get(leasesResource, namespace, name);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    create: (lease) => rest.create(leasesResource, namespace, lease),
    update: (lease) => rest.update(leasesResource, namespace, lease),
  };
}

function withRecord(base: V1Lease | undefined, name: string, namespace: string, r: LeaderElectionRecord): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: base?.metadata ?? { name, namespace },
    spec: {
      ...base?.spec,
      holderIdentity: r.holderIdentity,
      leaseDurationSeconds: r.leaseDurationSeconds,
      acquireTime: new V1MicroTime(r.acquireTime),
      renewTime: new V1MicroTime(r.renewTime),
      leaseTransitions: r.leaseTransitions,
    },
  };
}

export interface LeaderElectionOptions {
  client: LeaseClient;
  /** The lease's name and namespace (for a lease that does not exist yet). */
  lease: { namespace: string; name: string };
  identity: string;
  /** Upstream defaults: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Step down by clearing the lease when the signal aborts (upstream's ReleaseOnCancel). */
  releaseOnCancel?: boolean;
  now?: () => number;
  /** Runs while leading; its signal aborts when leadership is lost or the election stops. */
  onStartedLeading(signal: AbortSignal): Promise<void> | void;
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
  log?: (msg: string) => void;
}

/**
 * Campaigns until leader, leads until the lease cannot be renewed or the signal aborts, then
 * returns (upstream's LeaderElector.Run: callers restart it, or exit, to campaign again).
 */
export async function runLeaderElection(o: LeaderElectionOptions, signal: AbortSignal): Promise<void> {
  const leaseDurationMs = o.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = o.retryPeriodMs ?? 2_000;
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs)) {
    throw new Error('leader election: want leaseDuration > renewDeadline > retryPeriod');
  }
  const now = o.now ?? Date.now;
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let observed: Observed | undefined;
  let lastLeader = '';
  let leaseObj: V1Lease | undefined;

  const attempt = async (): Promise<boolean> => {
    try {
      const lease = await o.client.get();
      const d = tryAcquireOrRenew({ lease, identity: o.identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), now: now(), observed });
      observed = d.observed;
      if (d.action === 'wait') {
        if (d.holder !== lastLeader) { lastLeader = d.holder; o.onNewLeader?.(d.holder); }
        return false;
      }
      const next = withRecord(lease, o.lease.name, o.lease.namespace, d.record);
      leaseObj = d.action === 'create' ? await o.client.create(next) : await o.client.update(next);
      observed = { record: d.record, observedAt: now() };
      if (lastLeader !== o.identity) { lastLeader = o.identity; o.onNewLeader?.(o.identity); }
      return true;
    } catch (e) {
      // A conflict means someone else wrote first; anything else is retried the same way.
      log(`leader election ${o.lease.namespace}/${o.lease.name}: ${(e as Error)?.message ?? String(e)}`);
      return false;
    }
  };

  // Campaign: retry with jitter (upstream: wait.JitterUntil(retryPeriod, 1.2)).
  const jitter = new Backoff(retryPeriodMs, retryPeriodMs, 1, 1.2);
  while (!signal.aborted && !(await attempt())) await sleep(jitter.next(), signal);
  if (signal.aborted) return;
  log(`leader election ${o.lease.namespace}/${o.lease.name}: ${o.identity} is the leader`);

  const leading = new AbortController();
  const work = Promise.resolve().then(() => o.onStartedLeading(leading.signal)).catch((e: unknown) => {
    log(`leader election: onStartedLeading failed: ${(e as Error)?.message ?? String(e)}`);
  });
  try {
    for (;;) {
      await sleep(retryPeriodMs, signal);
      if (signal.aborted) break;
      const deadline = now() + renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && now() < deadline) {
        if (await attempt()) { renewed = true; break; }
        await sleep(Math.min(retryPeriodMs, Math.max(0, deadline - now())), signal);
      }
      if (signal.aborted) break;
      if (!renewed) {
        log(`leader election ${o.lease.namespace}/${o.lease.name}: failed to renew within ${renewDeadlineMs} ms; stepping down`);
        break;
      }
    }
  } finally {
    leading.abort();
    await work;
    o.onStoppedLeading?.();
    if (signal.aborted && (o.releaseOnCancel ?? true) && observed?.record.holderIdentity === o.identity && leaseObj) {
      try {
        await o.client.update(withRecord(leaseObj, o.lease.name, o.lease.namespace, releasedRecord(observed.record, now())));
      } catch (e) {
        log(`leader election: release failed: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }
}

/** Upstream's --leader-elect settings of a component; the lease is kube-system/<its name> by default. */
export interface ComponentElection { namespace?: string; name?: string; identity?: string }

/**
 * Runs a component's work: at once without an election, else only while it holds its Lease (the
 * work's signal aborts when leadership is lost). The work gets a signal of its own, linked to the
 * caller's by a single listener, so that its many loops do not pile listeners onto the caller's.
 */
export function runComponent(o: {
  rest: RestClient; election?: ComponentElection; leaseName: string; log: (msg: string) => void; signal: AbortSignal;
  /** `stop` aborts the work's own signal (for a work that fails and must wind its loops down). */
  work: (signal: AbortSignal, stop: () => void) => Promise<void>;
}): Promise<void> {
  const linked = async (outer: AbortSignal) => {
    const root = new AbortController();
    setMaxListeners(0, root.signal);
    const stop = () => root.abort();
    if (outer.aborted) stop(); else outer.addEventListener('abort', stop, { once: true });
    try {
      await o.work(root.signal, stop);
    } finally {
      stop();
      outer.removeEventListener('abort', stop);
    }
  };
  const le = o.election;
  if (!le) return linked(o.signal);
  const lease = { namespace: le.namespace ?? 'kube-system', name: le.name ?? o.leaseName };
  return runLeaderElection({
    client: restLeaseClient(o.rest, lease.namespace, lease.name), lease,
    identity: le.identity ?? `${hostname()}_${process.pid}`, log: o.log,
    onStartedLeading: (leading) => linked(leading),
  }, o.signal);
}
