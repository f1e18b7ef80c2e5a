import { describe, expect, inject, it } from 'vitest';
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { leases } from '../server/apis/coordination/v1/leases.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer } from '../test/apiserver.ts';
import { leasesResource, recordOf, releasedRecord, restLeaseClient, runLeaderElection, tryAcquireOrRenew, type LeaseClient, type Observed } from './leaderelection.ts';
import { ApiError, RestClient } from './rest.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function lease(holder: string, renewMs: number, opts: { duration?: number; transitions?: number; acquireMs?: number } = {}): V1Lease {
  return {
    metadata: { name: 'kube-controller-manager', namespace: 'kube-system', resourceVersion: '1' },
    spec: {
      holderIdentity: holder, leaseDurationSeconds: opts.duration ?? 15,
      acquireTime: new V1MicroTime(opts.acquireMs ?? renewMs), renewTime: new V1MicroTime(renewMs), leaseTransitions: opts.transitions ?? 0,
    },
  };
}

describe('tryAcquireOrRenew', () => {
  it('creates the lease when there is none', () => {
    const d = tryAcquireOrRenew({ lease: undefined, identity: 'me', leaseDurationSeconds: 15, now: T0, observed: undefined });
    expect(d).toMatchObject({ action: 'create', record: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: T0, renewTime: T0, leaseTransitions: 0 } });
  });

  it('waits while another holder renews, however old its renewTime looks (only local observation counts)', () => {
    // The holder's clock is an hour behind ours: its renewTime is ancient, but we just saw it change.
    const l = lease('other', T0 - 3_600_000);
    const d1 = tryAcquireOrRenew({ lease: l, identity: 'me', leaseDurationSeconds: 15, now: T0, observed: undefined });
    expect(d1).toMatchObject({ action: 'wait', holder: 'other' });
    expect(d1.observed.observedAt).toBe(T0);
    // 14 s later, unchanged: still valid.
    const d2 = tryAcquireOrRenew({ lease: l, identity: 'me', leaseDurationSeconds: 15, now: T0 + 14_000, observed: d1.observed });
    expect(d2.action).toBe('wait');
    // It renewed (the record changed): the observation restarts.
    const renewed = lease('other', T0 - 3_600_000 + 10_000);
    const d3 = tryAcquireOrRenew({ lease: renewed, identity: 'me', leaseDurationSeconds: 15, now: T0 + 14_500, observed: d2.observed });
    expect(d3).toMatchObject({ action: 'wait', observed: { observedAt: T0 + 14_500 } });
  });

  it('takes over a lease not renewed for leaseDuration since last seen, counting a transition', () => {
    const l = lease('other', T0, { transitions: 3 });
    const seen: Observed = { record: recordOf(l), observedAt: T0 };
    expect(tryAcquireOrRenew({ lease: l, identity: 'me', leaseDurationSeconds: 15, now: T0 + 14_999, observed: seen }).action).toBe('wait');
    const d = tryAcquireOrRenew({ lease: l, identity: 'me', leaseDurationSeconds: 15, now: T0 + 15_000, observed: seen });
    expect(d).toMatchObject({ action: 'update', record: { holderIdentity: 'me', acquireTime: T0 + 15_000, renewTime: T0 + 15_000, leaseTransitions: 4 } });
  });

  it('renews its own lease keeping acquireTime and transitions', () => {
    const l = lease('me', T0, { transitions: 2, acquireMs: T0 - 60_000 });
    const d = tryAcquireOrRenew({ lease: l, identity: 'me', leaseDurationSeconds: 15, now: T0 + 2_000, observed: { record: recordOf(l), observedAt: T0 } });
    expect(d).toMatchObject({ action: 'update', record: { holderIdentity: 'me', acquireTime: T0 - 60_000, renewTime: T0 + 2_000, leaseTransitions: 2 } });
  });

  it('acquires a released lease at once', () => {
    const l = lease('', T0);
    const d = tryAcquireOrRenew({ lease: l, identity: 'me', leaseDurationSeconds: 15, now: T0 + 1, observed: undefined });
    expect(d).toMatchObject({ action: 'update', record: { holderIdentity: 'me', leaseTransitions: 1 } });
    expect(releasedRecord(recordOf(lease('me', T0, { transitions: 5 })), T0 + 9)).toEqual({
      holderIdentity: '', leaseDurationSeconds: 1, acquireTime: T0 + 9, renewTime: T0 + 9, leaseTransitions: 5,
    });
  });

  it('reads MicroTime fields whether client-node left them as strings or Dates', () => {
    const l: V1Lease = { metadata: {}, spec: { holderIdentity: 'x', renewTime: '2026-01-01T00:00:01.500000Z' as unknown as V1MicroTime } };
    expect(recordOf(l).renewTime).toBe(T0 + 1500);
  });
});

/** An in-memory Lease with resourceVersion preconditions, as the API server would keep it. */
class MemoryLease implements LeaseClient {
  lease: V1Lease | undefined;
  rv = 0;
  failUpdates = false;
  async get() { return this.lease ? structuredClone(this.lease) : undefined; }
  async create(l: V1Lease) {
    if (this.lease) throw new ApiError(409, 'AlreadyExists', 'exists');
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
  async update(l: V1Lease) {
    if (this.failUpdates) throw new Error('connection refused');
    if (!this.lease || l.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) throw new ApiError(409, 'Conflict', 'conflict');
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
}

const timing = { leaseDurationMs: 1_000, renewDeadlineMs: 300, retryPeriodMs: 50 };
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('runLeaderElection', () => {
  it('elects one leader; the other takes over at once when the leader releases on cancel', async () => {
    const store = new MemoryLease();
    const leading: string[] = [];
    const stopped: string[] = [];
    const run = (id: string, ac: AbortController) => runLeaderElection({
      client: store, lease: { namespace: 'kube-system', name: 'kube-controller-manager' }, identity: id, ...timing, log: () => {},
      onStartedLeading: (signal) => { leading.push(id); return new Promise<void>((r) => signal.addEventListener('abort', () => r())); },
      onStoppedLeading: () => stopped.push(id),
    }, ac.signal);
    const a = new AbortController();
    const b = new AbortController();
    const ra = run('a', a);
    await until(() => leading.length === 1);
    const rb = run('b', b);
    await new Promise((r) => setTimeout(r, 200));
    expect(leading).toEqual(['a']);
    expect(store.lease?.spec?.holderIdentity).toBe('a');

    a.abort();
    await ra;
    expect(stopped).toEqual(['a']);
    // Released: b need not wait out the 1 s lease duration.
    const t = Date.now();
    await until(() => leading.length === 2);
    expect(Date.now() - t).toBeLessThan(800);
    expect(leading).toEqual(['a', 'b']);
    expect(store.lease?.spec?.leaseTransitions).toBe(1);
    b.abort();
    await rb;
  });

  it('stops leading when it cannot renew within the renew deadline', async () => {
    const store = new MemoryLease();
    let lost = false;
    const ac = new AbortController();
    const done = runLeaderElection({
      client: store, lease: { namespace: 'kube-system', name: 'x' }, identity: 'a', ...timing, log: () => {},
      onStartedLeading: (signal) => new Promise<void>((r) => signal.addEventListener('abort', () => { lost = true; r(); })),
    }, ac.signal);
    await until(() => store.lease !== undefined);
    store.failUpdates = true;
    await done;
    expect(lost).toBe(true);
    expect(ac.signal.aborted).toBe(false);
  });

  it('refuses timings that cannot work', async () => {
    await expect(runLeaderElection({
      client: new MemoryLease(), lease: { namespace: 'n', name: 'x' }, identity: 'a',
      leaseDurationMs: 100, renewDeadlineMs: 200, retryPeriodMs: 50, onStartedLeading: () => {},
    }, new AbortController().signal)).rejects.toThrow(/leaseDuration > renewDeadline/);
  });
});

describe('leader election against the API server', () => {
  it('elects through a coordination.k8s.io/v1 Lease and hands over on release', async () => {
    const srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    // Served once the resource list registers it; registered here so this runs today.
    if (!srv.api.registry('coordination.k8s.io', 'v1', 'leases')) srv.api.register(leases);
    const rest = new RestClient(srv.kubeconfig);
    try {
      const leading: string[] = [];
      const run = (id: string, ac: AbortController) => runLeaderElection({
        client: restLeaseClient(rest, 'kube-system', 'capstan-test'), lease: { namespace: 'kube-system', name: 'capstan-test' },
        identity: id, ...timing, log: () => {},
        onStartedLeading: (signal) => { leading.push(id); return new Promise<void>((r) => signal.addEventListener('abort', () => r())); },
      }, ac.signal);
      const a = new AbortController();
      const b = new AbortController();
      const ra = run('a', a);
      await until(() => leading.length === 1);
      const rb = run('b', b);
      await new Promise((r) => setTimeout(r, 200));
      expect(leading).toEqual(['a']);
      const held = await rest.get(leasesResource, 'kube-system', 'capstan-test');
      expect(held.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0 });
      // MicroTime on the wire: microseconds.
      const raw = (await rest.request('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/capstan-test')) as { spec: { renewTime: string } };
      expect(raw.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      a.abort();
      await ra;
      await until(() => leading.length === 2);
      expect((await rest.get(leasesResource, 'kube-system', 'capstan-test')).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
      b.abort();
      await rb;
      expect((await rest.get(leasesResource, 'kube-system', 'capstan-test')).spec?.holderIdentity).toBe('');
    } finally {
      rest.close();
      await srv.close();
    }
  });
});
