// Cluster DNS on the host, as CoreDNS serves it in a kubeadm cluster (its Corefile: `kubernetes
// cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa }`,
// `forward . /etc/resolv.conf`, `loadbalance`): records for the cluster domain from informers over
// Services, EndpointSlices and Namespaces, every other name forwarded upstream, and the kube-dns
// Service advertising us. UDP and TCP on one port. An API client only.
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { KubeConfig, KubernetesObject, V1Endpoints } from '@kubernetes/client-node';
import { Backoff, Informer, InformerFactory, listWatcherFor, makeClients, sleep } from '../../client/index.ts';
import { endpoints as endpointsResource, endpointSlices, namespaces, services } from '../../client/resources.ts';
import { RCODE, SERVICE_NAME_LABEL, buildRecords, lookup, type Authoritative, type ClusterRecords, type LookupResult } from './records.ts';
import { authoritativeReply, encodeWithin, errorReply, fitRaw, formatErrorFor, queryProblem, shuffleAddresses, udpLimitOf } from './message.ts';
import { forward, parseUpstream, readResolvConf, type Upstream } from './forward.ts';
import { listen, type DnsListeners, type Transport } from './server.ts';
import { KUBE_DNS_NAME, KUBE_DNS_NAMESPACE, reconcileKubeDns, withdrawKubeDns, type DnsAddress } from './kubedns.ts';

export interface ClusterDNSOptions {
  kubeconfig: string | KubeConfig;
  signal: AbortSignal;
  log?: (msg: string) => void;
  /** Default cluster.local. */
  clusterDomain?: string;
  /** The kube-dns Service's ClusterIP (the tenth address of the service range, 10.96.0.10 by default). */
  serviceIP: string;
  /** Where pods reach this host: the node's InternalIP. The kube-dns endpoints point here. */
  nodeIP: string;
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 0: an ephemeral port, the same for UDP and TCP. */
  port?: number;
  /** "ip" or "ip:port"; default: the nameservers of the host's /etc/resolv.conf. */
  upstreams?: string[];
  /** Default 5, CoreDNS's kubernetes plugin default. */
  ttlSeconds?: number;
  /** How long each upstream gets to answer a forwarded query; default 2 s. */
  forwardTimeoutMs?: number;
}

export interface ClusterDNS {
  /** Listening, caches synced, and the kube-dns Service and endpoints written. Rejects if it cannot listen. */
  ready: Promise<void>;
  /** After the signal aborts: sockets closed, informers stopped, our address withdrawn. */
  done: Promise<void>;
  /** The port UDP and TCP listen on (0 until the sockets are bound, which `ready` waits for). */
  readonly port: number;
}

/** How often the kube-dns objects are checked even when no change to them was seen. */
const ADVERTISE_RESYNC_MS = 60_000;
/** How long stopping may spend taking our address out of the kube-dns endpoints. */
const WITHDRAW_TIMEOUT_MS = 2_000;
const DEFAULT_FORWARD_TIMEOUT_MS = 2_000;

export function startClusterDNS(o: ClusterDNSOptions): ClusterDNS {
  const log = o.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  if (!net.isIP(o.serviceIP)) throw new Error(`cluster DNS: serviceIP ${JSON.stringify(o.serviceIP)} is not an IP address`);
  if (!net.isIP(o.nodeIP)) throw new Error(`cluster DNS: nodeIP ${JSON.stringify(o.nodeIP)} is not an IP address`);
  const special = specialEndpointIP(o.nodeIP);
  if (special) throw new Error(`cluster DNS: nodeIP ${o.nodeIP} cannot be an endpoint address: it is ${special}`);
  const clusterDomain = (o.clusterDomain ?? 'cluster.local').replace(/\.$/, '').toLowerCase();
  const ttlSeconds = o.ttlSeconds ?? 5;
  const forwardTimeoutMs = o.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS;
  const upstreams: Upstream[] = [];
  for (const u of o.upstreams ?? readResolvConf()) {
    const up = parseUpstream(u);
    if (net.isIP(up.host)) upstreams.push(up);
    else log(`cluster DNS: ignoring upstream ${JSON.stringify(u)}: not an IP address`);
  }

  // Our own stop: the caller's signal, or a failure to listen.
  const stop = new AbortController();
  if (o.signal.aborted) stop.abort();
  else o.signal.addEventListener('abort', () => stop.abort(), { once: true });
  const signal = stop.signal;

  const { rest } = makeClients(o.kubeconfig, { userAgent: 'capstan-dns' });
  const informers = new InformerFactory(rest, { log });
  const svcInformer = informers.informerFor(services);
  const sliceInformer = informers.informerFor(endpointSlices);
  const nsInformer = informers.informerFor(namespaces);
  const kubeDnsEndpoints = new Informer<V1Endpoints>(
    listWatcherFor(rest, endpointsResource, { namespace: KUBE_DNS_NAMESPACE, fieldSelector: `metadata.name=${KUBE_DNS_NAME}` }),
    { name: 'kube-dns endpoints', log },
  );

  // The record index is rebuilt on the first query after a change (CoreDNS's SOA serial is the
  // time of the last change it saw).
  let records: ClusterRecords | undefined;
  let modifiedMs = Date.now();
  const changed = () => { records = undefined; modifiedMs = Date.now(); };
  onEveryChange(svcInformer, changed);
  onEveryChange(sliceInformer, changed);
  onEveryChange(nsInformer, changed);
  const currentRecords = (): ClusterRecords => records ??= buildRecords(
    { services: svcInformer.list(), endpointSlices: sliceInformer.list(), namespaces: nsInformer.list() },
    { clusterDomain, ttlSeconds, serial: Math.floor(modifiedMs / 1000), nameserverIP: o.serviceIP },
  );
  let synced = false;

  const handler = async (raw: Buffer, transport: Transport): Promise<Buffer | undefined> => {
    let query: DecodedPacket;
    try {
      query = packet.decode(raw);
    } catch {
      return formatErrorFor(raw);
    }
    const problem = queryProblem(query);
    if (problem !== undefined) return query.type === 'response' ? undefined : packet.encode(errorReply(query, problem));
    const limit = transport === 'udp' ? udpLimitOf(query) : 65535;
    const q = query.questions![0]!;
    let result: LookupResult = (q.class ?? 'IN') === 'IN' ? lookup(currentRecords(), q) : { forward: true };
    // CoreDNS before its caches have synced: a name it cannot find is a server failure, not NXDOMAIN.
    if (!synced && !result.forward && result.rcode === RCODE.NXDOMAIN) result = { rcode: RCODE.SERVFAIL, answers: [], authorities: [], additionals: [] };
    if (result.forward) {
      const reply = upstreams.length > 0 ? await forward(raw, upstreams, { timeoutMs: forwardTimeoutMs, signal }) : undefined;
      if (!reply) return packet.encode(errorReply(query, RCODE.SERVFAIL));
      return fitRaw(reply, limit, query);
    }
    const answers = result.chase ? [...result.answers, ...(await chase(result))] : result.answers;
    return encodeWithin(authoritativeReply(query, { ...result, answers: shuffleAddresses(answers) }), limit);
  };

  /** An ExternalName's out-of-cluster target, resolved upstream (CoreDNS's upstream Lookup). */
  const chase = async (res: Authoritative): Promise<Answer[]> => {
    if (!res.chase || upstreams.length === 0) return [];
    const q = packet.encode({ id: randomInt(0, 0x10000), type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ name: res.chase.name, type: res.chase.type as 'A', class: 'IN' }] });
    const reply = await forward(q, upstreams, { timeoutMs: forwardTimeoutMs, signal });
    if (!reply) return [];
    try {
      return packet.decode(reply).answers ?? [];
    } catch {
      return [];
    }
  };

  let listeners: DnsListeners | undefined;
  let advertised!: () => void;
  const firstAdvertised = new Promise<void>((r) => { advertised = r; });
  let kick = () => {};
  const address = (): DnsAddress => ({ ip: o.nodeIP, port: listeners?.port ?? 0 });

  /** Keeps the kube-dns Service, Endpoints and our EndpointSlice right: at start, on every change to them, and now and then. */
  const advertise = async (): Promise<void> => {
    let pending = true;
    let wake: (() => void) | undefined;
    kick = () => { pending = true; wake?.(); };
    const backoff = new Backoff(200, 10_000);
    while (!signal.aborted) {
      if (!pending) {
        await new Promise<void>((resolve) => {
          const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); wake = undefined; resolve(); };
          const timer = setTimeout(done, ADVERTISE_RESYNC_MS);
          signal.addEventListener('abort', done, { once: true });
          wake = done;
        });
        if (signal.aborted) break;
      }
      pending = false;
      try {
        const did = await reconcileKubeDns(rest, o.serviceIP, address(), signal);
        if (did.length > 0) log(`cluster DNS: kube-dns at ${o.nodeIP}:${address().port}: ${did.join(', ')}`);
        backoff.reset();
        advertised();
      } catch (e) {
        if (signal.aborted) break;
        const delay = backoff.next();
        log(`cluster DNS: writing the kube-dns Service and endpoints failed (retrying in ${Math.round(delay)} ms): ${(e as Error)?.message ?? String(e)}`);
        pending = true;
        await sleep(delay, signal);
      }
    }
  };
  const isKubeDns = (obj: KubernetesObject) =>
    obj.metadata?.namespace === KUBE_DNS_NAMESPACE && (obj.metadata?.name === KUBE_DNS_NAME || obj.metadata?.labels?.[SERVICE_NAME_LABEL] === KUBE_DNS_NAME);
  const kickOnKubeDns = (obj: KubernetesObject) => { if (isKubeDns(obj)) kick(); };
  onEveryChange(svcInformer, kickOnKubeDns);
  onEveryChange(sliceInformer, kickOnKubeDns);
  onEveryChange(kubeDnsEndpoints, kickOnKubeDns);

  let advertising: Promise<void> = Promise.resolve();
  let endpointsInformerDone: Promise<void> = Promise.resolve();
  const ready = (async () => {
    try {
      listeners = await listen({ host: o.host ?? '0.0.0.0', port: o.port ?? 0, udpAddresses: [o.nodeIP], handler, log });
    } catch (e) {
      stop.abort();
      throw new Error(`cluster DNS: cannot listen on ${o.host ?? '0.0.0.0'}:${o.port ?? 0}: ${(e as Error)?.message ?? String(e)}`);
    }
    if (signal.aborted) throw new Error('cluster DNS: stopped before it was ready');
    informers.start(signal);
    endpointsInformerDone = kubeDnsEndpoints.run(signal);
    if (!(await informers.waitForSync(signal))) throw new Error('cluster DNS: stopped before its caches synced');
    synced = true;
    records = undefined;
    advertising = advertise();
    await Promise.race([firstAdvertised, new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
    if (signal.aborted) throw new Error('cluster DNS: stopped before the kube-dns Service was written');
    log(`cluster DNS: serving ${clusterDomain} on ${o.host ?? '0.0.0.0'}:${listeners.port} (UDP and TCP), upstreams ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ') || 'none'}`);
  })();
  ready.catch(() => {});

  const done = (async () => {
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await ready.catch(() => {});
    await advertising;
    if (listeners && synced) {
      try {
        await withdrawKubeDns(rest, address(), AbortSignal.timeout(WITHDRAW_TIMEOUT_MS));
      } catch (e) {
        log(`cluster DNS: could not take ${o.nodeIP}:${listeners.port} out of the kube-dns endpoints: ${(e as Error)?.message ?? String(e)}`);
      }
    }
    await listeners?.close();
    await Promise.all([informers.done(), endpointsInformerDone]);
    rest.close();
  })();

  return {
    ready, done,
    get port() { return listeners?.port ?? 0; },
  };
}

/** Upstream's validateEndpointIP: addresses an Endpoints object refuses (they mean this host or this link, not a node). */
export function specialEndpointIP(ip: string): string | undefined {
  const v = ip.toLowerCase();
  if (v === '0.0.0.0' || v === '::') return 'unspecified';
  if (v.startsWith('127.') || v === '::1') return 'loopback';
  if (v.startsWith('169.254.') || /^fe[89ab]/.test(v)) return 'link-local';
  if (v.startsWith('224.0.0.') || v.startsWith('ff02:')) return 'link-local multicast';
  return undefined;
}

function onEveryChange<T extends KubernetesObject>(inf: Informer<T>, fn: (obj: T) => void): void {
  inf.addEventHandler({ onAdd: fn, onUpdate: (_old, obj) => fn(obj), onDelete: fn });
}
