// The service proxy (kube-proxy) for Capstan: `capstan up` runs one per host (all the Docker
// "nodes" of a host share its network namespace), `capstan proxy --kubeconfig …` runs it alone.
// An API client only: informers over Services and EndpointSlices feed a pure service map, and a
// proxier programs the host from it: iptables rules (as root) or userspace NodePort listeners.
// Syncs are debounced (at most one per minSyncMs) and repeated in full every syncPeriodMs, as
// upstream's BoundedFrequencyRunner does with --iptables-min-sync-period / --iptables-sync-period.
import type { KubeConfig } from '@kubernetes/client-node';
import { InformerFactory, makeClients } from '../client/index.ts';
import { endpointSlices, services } from '../client/resources.ts';
import { iptablesUsable, systemIptables, type IptablesRunner } from './iptables/exec.ts';
import { IptablesProxier } from './iptables/proxier.ts';
import { validateClusterTag } from './iptables/rules.ts';
import { buildEndpointsMap, buildServicePorts } from './servicemap.ts';
import { UserspaceProxier } from './userspace.ts';

export type ProxyMode = 'iptables' | 'userspace';

/** Where Capstan's Docker nodes put pods (kubelet/runtime/docker's DOCKER_CLUSTER_CIDR). */
export const DEFAULT_CLUSTER_CIDR = '10.240.0.0/16';
const DEFAULT_MIN_SYNC_MS = 250;
/** Upstream's --iptables-sync-period default. */
const DEFAULT_SYNC_PERIOD_MS = 30_000;
/** After a failed sync. */
const RETRY_MS = 1_000;
/** Lets a burst of watch events (a Service and its EndpointSlice) land in one sync. */
const COALESCE_MS = 10;

export interface StartProxyOptions {
  kubeconfig: string | KubeConfig;
  signal: AbortSignal;
  log?: (msg: string) => void;
  /** The nodes on this host: their endpoints are "local" for the Local traffic policies. */
  nodeNames: string[];
  /**
   * The addresses NodePorts answer on (127.0.0.1 is added). Default: every local address of the
   * host, now and later (iptables' --dst-type LOCAL; 0.0.0.0 in userspace mode).
   */
  nodeIPs?: string[];
  /** auto (the default): iptables as root when iptables-restore works, else userspace. */
  mode?: 'auto' | ProxyMode;
  /** Names this cluster's chains (CAP-<tag>-…): 1 to 8 of [a-z0-9], unique per cluster on the host. */
  clusterTag: string;
  /** At most one sync per this many milliseconds (default 250). */
  minSyncMs?: number;
  /** A full resync this often (default 30 s). */
  syncPeriodMs?: number;
  /** The pod network, for telling pods' traffic from the rest (default 10.240.0.0/16). */
  clusterCIDR?: string;
  /** Tests: another iptables. */
  iptables?: IptablesRunner;
  /** Told of every successful sync (benchmarks, tests): whether it was full, and how long it took. */
  onSync?: (s: { full: boolean; ms: number; servicePorts: number }) => void;
}

export interface RunningProxy {
  /** Resolves once the first sync has programmed the host; rejects if the proxy stops before. */
  ready: Promise<void>;
  /** Resolves after the signal aborted and the proxy removed its rules (or closed its listeners). */
  done: Promise<void>;
  mode: ProxyMode;
}

interface Proxier {
  /** Host settings the proxier needs (sysctls), once before the first sync. */
  prepare?(): void;
  sync(...args: Parameters<IptablesProxier['sync']>): Promise<void>;
  stop(): Promise<void>;
}

export function startProxy(o: StartProxyOptions): RunningProxy {
  validateClusterTag(o.clusterTag);
  const log = o.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const mode: ProxyMode = o.mode === 'iptables' || o.mode === 'userspace' ? o.mode : iptablesUsable() ? 'iptables' : 'userspace';
  const localNodes = new Set(o.nodeNames);
  const addresses = o.nodeIPs ? [...new Set([...o.nodeIPs, '127.0.0.1'])] : undefined;
  const minSyncMs = o.minSyncMs ?? DEFAULT_MIN_SYNC_MS;

  let proxier: Proxier;
  if (mode === 'iptables') {
    const ipt = new IptablesProxier({
      tag: o.clusterTag, runner: o.iptables ?? systemIptables(), log,
      rules: { clusterCIDR: o.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, ...(addresses ? { nodePortAddresses: addresses } : {}) },
    });
    proxier = { prepare: () => ipt.prepareHost(), sync: (s, e, full) => ipt.sync(s, e, full), stop: () => ipt.cleanup() };
  } else {
    const us = new UserspaceProxier({ log, ...(addresses ? { addresses } : {}) });
    proxier = { sync: (s, e) => us.sync(s, e), stop: () => us.close() };
  }
  log(`proxy: ${mode} mode, cluster tag ${o.clusterTag}, local nodes ${o.nodeNames.join(', ') || '(none)'}`);

  const clients = makeClients(o.kubeconfig, { userAgent: 'capstan-proxy' });
  const factory = new InformerFactory(clients.rest, { log });
  const serviceInformer = factory.informerFor(services);
  const sliceInformer = factory.informerFor(endpointSlices);

  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
  // Callers that never look at `ready` must not see an unhandled rejection.
  ready.catch(() => {});
  let programmed = false;

  // The sync runner: one sync at a time, at most one per minSyncMs, full ones on a period.
  let synced = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let wantFull = true;
  let lastStart = 0;
  const schedule = () => {
    if (!synced || o.signal.aborted || running || timer) return;
    const wait = Math.max(COALESCE_MS, lastStart + minSyncMs - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      running = runSync().finally(() => {
        running = undefined;
        if (dirty) schedule();
      });
    }, wait);
  };
  const request = (full = false) => {
    dirty = true;
    if (full) wantFull = true;
    schedule();
  };
  const runSync = async () => {
    if (o.signal.aborted) return;
    dirty = false;
    const full = wantFull;
    wantFull = false;
    lastStart = Date.now();
    try {
      const servicePorts = buildServicePorts(serviceInformer.list());
      const endpoints = buildEndpointsMap(sliceInformer.list(), localNodes);
      await proxier.sync(servicePorts, endpoints, full);
      o.onSync?.({ full, ms: Date.now() - lastStart, servicePorts: servicePorts.length });
      if (!programmed) {
        programmed = true;
        log(`proxy: first sync done (${servicePorts.length} service ports)`);
        resolveReady();
      }
    } catch (e) {
      log(`proxy: sync failed (retrying in ${RETRY_MS} ms): ${(e as Error).message}`);
      dirty = true;
      wantFull = true;
      if (!timer && !o.signal.aborted) timer = setTimeout(() => { timer = undefined; request(true); }, RETRY_MS);
    }
  };

  const onChange = { onAdd: () => request(), onUpdate: () => request(), onDelete: () => request() };
  serviceInformer.addEventHandler(onChange);
  sliceInformer.addEventHandler(onChange);

  const done = (async () => {
    try {
      proxier.prepare?.();
    } catch (e) {
      log(`proxy: preparing the host failed: ${(e as Error).message}`);
    }
    // (An informer factory started on an already aborted signal would never stop.)
    const started = !o.signal.aborted;
    if (started) factory.start(o.signal);
    const period = setInterval(() => request(true), o.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS);
    try {
      if (started && await factory.waitForSync(o.signal)) {
        synced = true;
        request(true);
      }
      await new Promise<void>((resolve) => {
        if (o.signal.aborted) resolve();
        else o.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      clearInterval(period);
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
      if (!programmed) rejectReady(new Error('proxy: stopped before its first sync'));
      try {
        await proxier.stop();
        log(`proxy: stopped (${mode === 'iptables' ? `removed the chains of tag ${o.clusterTag}` : 'closed its listeners'})`);
      } catch (e) {
        log(`proxy: cleaning up failed: ${(e as Error).message}`);
      }
      if (started) await factory.done();
      clients.rest.close();
    }
  })();
  return { ready, done, mode };
}
