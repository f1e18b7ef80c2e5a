// The API server's service allocation repair (upstream's ipallocator and portallocator repair
// controllers, pkg/registry/core/service/{ipallocator,portallocator}/controller/repair.go): at
// start and then every interval it compares the cluster IPs and node ports that Services hold
// with the allocation keys of common/allocator.ts, read at one resourceVersion. It re-creates the
// key of an item a Service holds without one, warns about an item two Services hold and about an
// item outside the configured range, and frees a key no Service holds once it has been seen so in
// three consecutive passes — an allocation is taken before its Service is stored, so a key seen
// only once may belong to a create still under way. Every step is a keyed, conditional store
// operation, so several API servers over one store may each run it.
import { hostname } from 'node:os';
import * as errors from '../../machinery/errors.ts';
import { formatRFC3339Micro } from '../../machinery/meta.ts';
import type { Store } from '../../storage/store.ts';
import { AllocationError, type AllocationOwner, type KeyedAllocator } from '../apis/common/allocator.ts';
import { serviceAllocators, type Service, type ServiceNetwork } from '../apis/core/v1/services.ts';
import type { KubeObject } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';

/** Upstream's repair interval (kube-apiserver's bootstrap controller runs both repairs every 3 minutes). */
export const DEFAULT_REPAIR_INTERVAL_MS = 3 * 60_000;
/** Upstream's numRepairsBeforeLeakCleanup: a leaked item is freed on the third pass that finds it so. */
export const NUM_REPAIRS_BEFORE_LEAK_CLEANUP = 3;
/** client-go's events library folds repeats of an event into a series for this long (its finishTime). */
const SERIES_WINDOW_MS = 6 * 60_000;
const MAX_REMEMBERED_EVENTS = 4096;

export interface ServiceAllocationRepairOptions {
  store: Store;
  /** The Services' registry (its store prefix and type meta). */
  services: GenericRegistry;
  /** events.k8s.io/v1 Events, where the warnings go; without it they are only logged. */
  events?: GenericRegistry;
  network: ServiceNetwork;
  log?: (msg: string) => void;
  now?: () => Date;
}

/** What one pass of one range found and did. */
export interface RangeRepairReport {
  /** Items a Service held without a key, whose key this pass created. */
  repaired: string[];
  /** Keys naming an owner that no longer holds the item, handed to the Service that does. */
  reassigned: string[];
  /** Items held by more than one Service (or twice by one). */
  duplicates: string[];
  /** Items outside the configured range. */
  outOfRange: string[];
  /** Keys no Service holds, kept for now. */
  leaked: string[];
  /** Keys no Service held for NUM_REPAIRS_BEFORE_LEAK_CLEANUP passes, freed by this one. */
  freed: string[];
}

export interface RepairReport {
  /** The resourceVersion Services and keys were read at. */
  rv: bigint;
  ips: RangeRepairReport;
  ports: RangeRepairReport;
}

const ownerOf = (svc: Service): AllocationOwner => ({ kind: 'Service', namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '' });
const nameOf = (svc: Service) => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
const isIPv4 = (ip: string) => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip) && ip.split('.').every((p) => Number(p) <= 255);
const isIPv6 = (ip: string) => ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip);

/** Upstream's IsServiceIPSet: a cluster IP that is neither empty nor "None". */
function clusterIPsOf(svc: Service): string[] {
  const s = svc.spec ?? {};
  if (!s.clusterIP || s.clusterIP === 'None') return [];
  return s.clusterIPs?.length ? s.clusterIPs : [s.clusterIP];
}

/**
 * Upstream's collectServiceNodePorts: every node port of the Service, a port repeated with the
 * same protocol listed twice (a duplicate to report), with another protocol once; the health
 * check node port too, unless a non-TCP service port already has it.
 */
export function serviceNodePorts(svc: Service): number[] {
  const out: number[] = [];
  const seen = new Map<number, Set<string>>();
  for (const p of svc.spec?.ports ?? []) {
    if (!p.nodePort) continue;
    const proto = p.protocol ?? '';
    const protos = seen.get(p.nodePort);
    if (!protos) {
      seen.set(p.nodePort, new Set([proto]));
      out.push(p.nodePort);
    } else if (protos.has(proto)) {
      out.push(p.nodePort);
    } else {
      protos.add(proto);
    }
  }
  const health = svc.spec?.healthCheckNodePort;
  if (health) {
    const protos = seen.get(health);
    if (!protos || protos.has('TCP')) out.push(health);
  }
  return out;
}

/**
 * Warnings about Services as events.k8s.io/v1 Events, as client-go's events library writes them
 * for upstream's repair controllers: reportingController and action set, no deprecated source; a
 * repeat of the same reason about the same Service within six minutes becomes a series on the
 * first event instead of a new one.
 */
class RepairEvents {
  private readonly seen = new Map<string, { namespace: string; name: string; count: number; last: number }>();
  private readonly instance: string;
  private seq = 0;

  constructor(
    private readonly events: GenericRegistry | undefined,
    private readonly controller: string,
    private readonly action: string,
    private readonly now: () => Date,
    private readonly log: (msg: string) => void,
  ) {
    // client-go's recorder names its instance "<controller>-<hostname>".
    this.instance = `${controller}-${hostname()}`.slice(0, 128);
  }

  async warn(svc: Service, reason: string, note: string): Promise<void> {
    if (!this.events) return;
    const meta = svc.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const regarding = { kind: 'Service', namespace: meta.namespace, name: meta.name, uid: meta.uid, apiVersion: 'v1', resourceVersion: meta.resourceVersion };
    // client-go's isomorphic-event key: action, reason, reporting controller and the object referred to.
    const key = [this.action, reason, JSON.stringify(regarding)].join('\u0000');
    const t = this.now();
    const prev = this.seen.get(key);
    try {
      if (prev && t.getTime() - prev.last < SERIES_WINDOW_MS) {
        const count = prev.count + 1;
        try {
          await this.events.update(prev.namespace, prev.name, (cur) => {
            if (!cur) throw errors.notFound({ group: 'events.k8s.io', resource: 'events' }, prev.name);
            return { ...cur, series: { count, lastObservedTime: formatRFC3339Micro(t) } } as KubeObject;
          }, { fieldManager: this.controller });
          prev.count = count;
          prev.last = t.getTime();
          return;
        } catch (e) {
          // Deleted meanwhile (or expired by TTL): a new event starts.
          if (!errors.isStatusError(e, 'NotFound')) throw e;
        }
      }
      // Upstream names events "<object>.<unix nanoseconds in hex>".
      const nanos = BigInt(t.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
      const name = `${meta.name ?? 'unknown'}.${nanos.toString(16)}`;
      await this.events.create(namespace, {
        apiVersion: 'events.k8s.io/v1', kind: 'Event',
        metadata: { name, namespace },
        eventTime: formatRFC3339Micro(t),
        reportingController: this.controller, reportingInstance: this.instance,
        action: this.action, reason, regarding, note, type: 'Warning',
      } as KubeObject, { fieldManager: this.controller });
      this.seen.delete(key);
      this.seen.set(key, { namespace, name, count: 1, last: t.getTime() });
      while (this.seen.size > MAX_REMEMBERED_EVENTS) this.seen.delete(this.seen.keys().next().value!);
    } catch (e) {
      this.log(`${this.controller}: cannot record ${reason} for service ${nameOf(svc)}: ${(e as Error).message}`);
    }
  }
}

/** How one range (cluster IPs or node ports) is read from Services and reported. */
interface RangeKind {
  allocator: KeyedAllocator;
  events: RepairEvents;
  itemsOf(svc: Service): string[];
  /** An item that is no item of this range at all (an unparseable IP): reported, then skipped. */
  unusable(svc: Service, item: string): Promise<boolean>;
  notAllocated(item: string): [reason: string, note: string, log: string];
  alreadyAllocated(item: string): [reason: string, note: string, log: string];
  outOfRange(item: string): [reason: string, note: string, log: string];
  /** "cluster IP" or "node port", for the leak log lines. */
  noun: string;
}

/** One repair pass over both ranges; keeps the leak counters between passes. */
export class ServiceAllocationRepair {
  private readonly log: (msg: string) => void;
  private readonly ips: RangeKind;
  private readonly ports: RangeKind;
  /** Per range: item → the key's owner uid and how many consecutive passes found it leaked. */
  private readonly leaks = new Map<RangeKind, Map<string, { uid: string; passes: number }>>();
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ServiceAllocationRepairOptions) {
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    const now = opts.now ?? (() => new Date());
    const { ips, ports } = serviceAllocators(opts.store, opts.network);
    const cidr = opts.network.clusterIPRange;
    const { first, last } = opts.network.nodePortRange;
    const ipEvents = new RepairEvents(opts.events, 'ipallocator-repair-controller', 'ClusterIPAllocation', now, this.log);
    // Texts as upstream's ipallocator repair (single-stack IPv4, so the family is always IPv4).
    this.ips = {
      allocator: ips, events: ipEvents, noun: 'cluster IP',
      itemsOf: clusterIPsOf,
      unusable: async (svc, ip) => {
        if (isIPv4(ip)) return false;
        if (isIPv6(ip)) {
          await ipEvents.warn(svc, 'ClusterIPNotValid', `Cluster IP ${ip}(IPv6) is of ip family that is no longer configured on cluster; please recreate service`);
          this.log(`the cluster IP ${ip}(IPv6) for service ${nameOf(svc)} is of ip family that is no longer configured on cluster; please recreate`);
        } else {
          await ipEvents.warn(svc, 'ClusterIPNotValid', `Cluster IP ${ip} is not a valid IP; please recreate service`);
          this.log(`the cluster IP ${ip} for service ${nameOf(svc)} is not a valid IP; please recreate`);
        }
        return true;
      },
      notAllocated: (ip) => ['ClusterIPNotAllocated', `Cluster IP [IPv4]:${ip} is not allocated; repairing`, `the cluster IP [IPv4]:${ip} for service %s is not allocated; repairing`],
      alreadyAllocated: (ip) => ['ClusterIPAlreadyAllocated', `Cluster IP [IPv4]:${ip} was assigned to multiple services; please recreate service`,
        `the cluster IP [IPv4]:${ip} for service %s was assigned to multiple services; please recreate`],
      outOfRange: (ip) => ['ClusterIPOutOfRange', `Cluster IP [IPv4]:${ip} is not within the service CIDR ${cidr}; please recreate service`,
        `the cluster IP [IPv4]:${ip} for service %s is not within the service CIDR ${cidr}; please recreate`],
    };
    const range = `${first}-${last}`;
    this.ports = {
      allocator: ports, noun: 'node port',
      events: new RepairEvents(opts.events, 'portallocator-repair-controller', 'PortAllocation', now, this.log),
      itemsOf: (svc) => serviceNodePorts(svc).map(String),
      unusable: async () => false,
      notAllocated: (p) => ['PortNotAllocated', `Port ${p} is not allocated; repairing`, `the node port ${p} for service %s is not allocated; repairing`],
      alreadyAllocated: (p) => ['PortAlreadyAllocated', `Port ${p} was assigned to multiple services; please recreate service`,
        `the node port ${p} for service %s was assigned to multiple services; please recreate`],
      outOfRange: (p) => ['PortOutOfRange', `Port ${p} is not within the port range ${range}; please recreate service`,
        `the port ${p} for service %s is not within the port range ${range}; please recreate`],
    };
    this.leaks.set(this.ips, new Map());
    this.leaks.set(this.ports, new Map());
  }

  /** One pass; passes never overlap (a call waits for the one under way). */
  runOnce(): Promise<RepairReport> {
    const pass = this.running.then(() => this.pass(), () => this.pass());
    this.running = pass.catch(() => undefined);
    return pass;
  }

  private async pass(): Promise<RepairReport> {
    // Services first: the keys are then read at the same resourceVersion, so the two agree.
    const services: Service[] = [];
    let rv: bigint | undefined;
    let cont: string | undefined;
    do {
      const page = await this.opts.store.list(this.opts.services.prefix(''), { limit: 1000, ...(cont ? { continue: cont } : {}) });
      rv ??= page.rv;
      for (const s of page.items) services.push(this.opts.services.withTypeMeta(s.obj) as Service);
      cont = page.continue;
    } while (cont);
    const at = rv!;
    const [ipKeys, portKeys] = await Promise.all([this.ips.allocator.allocatedAt(at), this.ports.allocator.allocatedAt(at)]);
    return { rv: at, ips: await this.repairRange(this.ips, services, ipKeys), ports: await this.repairRange(this.ports, services, portKeys) };
  }

  private async repairRange(kind: RangeKind, services: Service[], keys: Map<string, AllocationOwner>): Promise<RangeRepairReport> {
    const report: RangeRepairReport = { repaired: [], reassigned: [], duplicates: [], outOfRange: [], leaked: [], freed: [] };
    const warn = async (svc: Service, [reason, note, log]: [string, string, string]) => {
      await kind.events.warn(svc, reason, note);
      this.log(log.replace('%s', nameOf(svc)));
    };
    // Who holds what, in list order: the first holder of an item keeps it, as upstream's rebuilt range does.
    const holders = new Map<string, Service[]>();
    const heldOutOfRange = new Set<string>();
    for (const svc of services) {
      for (const item of kind.itemsOf(svc)) {
        if (await kind.unusable(svc, item)) continue;
        if (kind.allocator.range.indexOf(item) === undefined) {
          // Its key (from an earlier range) stays: the range may be changed back.
          heldOutOfRange.add(item);
          report.outOfRange.push(item);
          await warn(svc, kind.outOfRange(item));
          continue;
        }
        const list = holders.get(item);
        if (list) {
          list.push(svc);
          report.duplicates.push(item);
          await warn(svc, kind.alreadyAllocated(item));
          continue;
        }
        holders.set(item, [svc]);
      }
    }

    for (const [item, list] of holders) {
      const first = list[0]!;
      const owner = keys.get(item);
      try {
        if (!owner) {
          // Taken by this pass: reported once, even when several API servers repair at once.
          if (await kind.allocator.allocate(item, ownerOf(first))) {
            report.repaired.push(item);
            await warn(first, kind.notAllocated(item));
          }
        } else if (!list.some((svc) => svc.metadata?.uid === owner.uid)) {
          if (await kind.allocator.reassign(item, owner.uid, ownerOf(first))) {
            report.reassigned.push(item);
            this.log(`the ${kind.noun} ${item} of service ${nameOf(first)} was recorded for ${owner.namespace}/${owner.name} (uid ${owner.uid}); repairing`);
          }
        }
      } catch (e) {
        // Another writer got there between the snapshot and now; the next pass looks again.
        if (!(e instanceof AllocationError)) throw e;
        this.log(`the ${kind.noun} ${item} of service ${nameOf(first)} could not be repaired: ${e.message}`);
      }
    }

    const leaks = this.leaks.get(kind)!;
    const leakedNow = new Set<string>();
    for (const [item, owner] of keys) {
      if (holders.has(item) || heldOutOfRange.has(item)) continue;
      leakedNow.add(item);
      const seen = leaks.get(item);
      const passes = seen && seen.uid === owner.uid ? seen.passes + 1 : 1;
      if (passes < NUM_REPAIRS_BEFORE_LEAK_CLEANUP) {
        if (passes === 1) this.log(`the ${kind.noun} ${item} may have leaked: flagging for later clean up`);
        leaks.set(item, { uid: owner.uid, passes });
        report.leaked.push(item);
        continue;
      }
      this.log(`the ${kind.noun} ${item} appears to have leaked: cleaning up`);
      // Conditional on the uid seen: a key re-taken since the snapshot is left alone.
      await kind.allocator.release(item, owner);
      leaks.delete(item);
      report.freed.push(item);
    }
    // Only consecutive passes count.
    for (const item of [...leaks.keys()]) if (!leakedNow.has(item)) leaks.delete(item);
    return report;
  }
}

export interface RunningServiceAllocationRepair {
  repair: ServiceAllocationRepair;
  /** The first pass (upstream's API server is not ready before it); resolves even if it fails. */
  firstPass: Promise<void>;
  stop(): void;
  /** Resolves when the loop has ended after stop(). */
  done: Promise<void>;
}

/** Runs the repair now and then every `intervalMs` until stopped; a failed pass is logged and retried at the next interval. */
export function startServiceAllocationRepair(opts: ServiceAllocationRepairOptions & { intervalMs?: number }): RunningServiceAllocationRepair {
  const repair = new ServiceAllocationRepair(opts);
  const log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
  const interval = opts.intervalMs ?? DEFAULT_REPAIR_INTERVAL_MS;
  const ac = new AbortController();
  const once = async () => {
    try {
      await repair.runOnce();
    } catch (e) {
      if (!ac.signal.aborted) log(`service allocation repair: ${(e as Error).message}`);
    }
  };
  const firstPass = once();
  const done = (async () => {
    await firstPass;
    while (!ac.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        timer.unref();
        ac.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
      if (ac.signal.aborted) break;
      await once();
    }
  })();
  return { repair, firstPass, done, stop: () => ac.abort() };
}
