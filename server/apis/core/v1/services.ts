// core/v1 Service: upstream's defaults, the IP-family fields the service registry fills in for a
// single-stack IPv4 cluster, validation, type changes on update, and the allocation of cluster
// IPs and node ports from the API server's service network (--service-cluster-ip-range,
// --service-node-port-range) through store hooks, so that allocations are unique across
// concurrent creates and across API server processes (see common/allocator.ts for how the store
// keeps them). Each API server binds the resource to its own network (servicesFor), so two API
// servers in one process may serve different ranges.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import * as errors from '../../../../machinery/errors.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum, nameIsDNS1035Label, parseIP, validateLabels } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type FinishFunc, type KubeObject, type ResourceDef, type StoreHookContext } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { validatePortNumOrName } from '../../common/intstr.ts';
import { AllocationError, KeyedAllocator, ipv4Range, portRange, type AllocationOwner } from '../../common/allocator.ts';
import { formatLabels } from '../../common/podtemplate.ts';

// ---- the service network ----

/** A cluster's service network: where cluster IPs and node ports come from. */
export interface ServiceNetwork {
  /** The IPv4 service CIDR at its network address, e.g. 10.96.0.0/12. */
  clusterIPRange: string;
  /** Node ports, both ends included. */
  nodePortRange: { first: number; last: number };
}

/**
 * Capstan's defaults: kubeadm's service subnet (kube-apiserver's own flag default is 10.0.0.0/24)
 * and kube-apiserver's --service-node-port-range default.
 */
export const DEFAULT_SERVICE_NETWORK: ServiceNetwork = Object.freeze({
  clusterIPRange: '10.96.0.0/12',
  nodePortRange: Object.freeze({ first: 30000, last: 32767 }),
});
export const SERVICE_CIDR = DEFAULT_SERVICE_NETWORK.clusterIPRange;
export const NODE_PORT_RANGE = DEFAULT_SERVICE_NETWORK.nodePortRange;
/** The families this cluster serves: single-stack IPv4. */
const CLUSTER_FAMILIES = ['IPv4'];

/**
 * Upstream's validateClusterIPFlags limit without the MultiCIDRServiceAllocator gate (off in
 * 1.32): at most 20 host bits, so an IPv4 range is a /12 or smaller.
 */
const MAX_CIDR_BITS = 20;

/** An IPv4 CIDR read as Go's sloppy ParseCIDR reads it (leading zeros allowed), at its network address. */
function parseIPv4CIDR(text: string): { network: number; bits: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIP(m[1]!);
  const bits = Number(m[2]);
  if (!ip || ip.v6 || bits > 32) return undefined;
  const addr = ip.bytes.reduce((acc, b) => acc * 256 + b, 0);
  const size = 2 ** (32 - bits);
  return { network: addr - (addr % size), bits };
}

const intToIPv4 = (n: number): string => [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 256) % 256, n % 256].join('.');

/**
 * kube-apiserver's --service-cluster-ip-range, checked as upstream's option completion and
 * validation check it (the messages are upstream's): a CIDR, at least 8 addresses, no more than
 * 20 host bits. Returns the range at its network address ("10.96.0.5/12" is 10.96.0.0/12); an
 * empty value is the default. Capstan serves single-stack IPv4 only, so an IPv6 or dual-stack
 * value is refused.
 */
export function parseServiceClusterIPRange(value: string): string {
  if (value.trim() === '') return DEFAULT_SERVICE_NETWORK.clusterIPRange;
  const entries = value.split(',');
  if (entries.length > 2) throw new Error('--service-cluster-ip-range must not contain more than two entries');
  const first = entries[0]!.trim();
  if (first.includes(':') || entries.length === 2) {
    throw new Error(`--service-cluster-ip-range ${JSON.stringify(value)}: only a single IPv4 range is served (no IPv6 or dual-stack services)`);
  }
  const cidr = parseIPv4CIDR(first);
  if (!cidr) throw new Error('service-cluster-ip-range[0] is not a valid cidr');
  if (2 ** (32 - cidr.bits) < 8) {
    throw new Error('error determining service IP ranges for primary service cidr: the service cluster IP range must be at least 8 IP addresses');
  }
  if (32 - cidr.bits > MAX_CIDR_BITS) {
    throw new Error(`specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= ${32 - MAX_CIDR_BITS}`);
  }
  return `${intToIPv4(cidr.network)}/${cidr.bits}`;
}

/** Go's strconv.Atoi, with its error text. */
function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = BigInt(text);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
  return Number(n);
}

/**
 * kube-apiserver's --service-node-port-range, parsed as upstream's PortRange.Set: "a-b", "a+n"
 * (a to a+n) or a single port, with its messages; an empty value is the default.
 */
export function parseServiceNodePortRange(value: string): { first: number; last: number } {
  const v = value.trim();
  if (v === '') return { ...DEFAULT_SERVICE_NETWORK.nodePortRange };
  const hyphen = v.indexOf('-');
  const plus = v.indexOf('+');
  let low: number;
  let high: number;
  if (hyphen < 0 && plus < 0) {
    low = high = atoi(v);
  } else if (hyphen >= 0 && plus < 0) {
    low = atoi(v.slice(0, hyphen));
    high = atoi(v.slice(hyphen + 1));
  } else if (plus >= 0 && hyphen < 0) {
    low = atoi(v.slice(0, plus));
    high = low + atoi(v.slice(plus + 1));
  } else {
    throw new Error(`unable to parse port range: ${v}`);
  }
  if (low > 65535 || high > 65535) throw new Error(`the port range cannot be greater than 65535: ${v}`);
  if (high < low) throw new Error(`end port cannot be less than start port: ${v}`);
  return { first: low, last: high };
}

/** The service network of the flags' values (either may be absent: its default). Throws on an invalid value. */
export function serviceNetworkOf(flags: { serviceClusterIPRange?: string; serviceNodePortRange?: string } = {}): ServiceNetwork {
  return {
    clusterIPRange: parseServiceClusterIPRange(flags.serviceClusterIPRange ?? ''),
    nodePortRange: parseServiceNodePortRange(flags.serviceNodePortRange ?? ''),
  };
}

/**
 * The address `index` places into a range, as upstream's GetIndexedIP: 1 is the `kubernetes`
 * Service's IP, 10 is kube-dns's by kubeadm's convention.
 */
export function serviceIPAt(cidr: string, index: number): string {
  const c = parseIPv4CIDR(cidr);
  if (!c) throw new Error(`${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** (32 - c.bits)) {
    throw new Error(`can't generate IP with index ${index} from subnet. subnet too small. subnet: ${JSON.stringify(`${intToIPv4(c.network)}/${c.bits}`)}`);
  }
  return intToIPv4(c.network + index);
}

export interface ServicePort {
  name?: string; protocol?: string; appProtocol?: string; port?: number; targetPort?: number | string; nodePort?: number;
}
export interface ServiceSpec {
  type?: string; ports?: ServicePort[]; selector?: Record<string, string>; clusterIP?: string; clusterIPs?: string[];
  externalIPs?: string[]; sessionAffinity?: string; sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } } | null;
  externalName?: string; externalTrafficPolicy?: string; internalTrafficPolicy?: string; healthCheckNodePort?: number;
  ipFamilies?: string[]; ipFamilyPolicy?: string; allocateLoadBalancerNodePorts?: boolean; loadBalancerIP?: string;
  publishNotReadyAddresses?: boolean; loadBalancerClass?: string;
}
export type Service = KubeObject & {
  spec?: ServiceSpec;
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> }; conditions?: unknown[] };
};

const spec = (s: Service): ServiceSpec => (s.spec ??= {});
const root = (...p: string[]) => FieldPath.root('spec', ...p);
const isHeadless = (s: Service) => s.spec?.type === 'ClusterIP' && (s.spec?.clusterIPs?.length ?? 0) > 0 && s.spec!.clusterIPs![0] === 'None';
const needsClusterIP = (s: Service) => s.spec?.type !== 'ExternalName';
const needsNodePort = (s: Service) => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';
const needsHealthCheck = (s: Service) => s.spec?.type === 'LoadBalancer' && s.spec?.externalTrafficPolicy === 'Local';
const externallyAccessible = (s: Service) => needsNodePort(s) || (s.spec?.type === 'ClusterIP' && (s.spec?.externalIPs?.length ?? 0) > 0);
const sameList = (a: unknown[] | undefined, b: unknown[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
const familyOf = (ip: string) => (ip.includes(':') ? 'IPv6' : 'IPv4');

/** Upstream's SetDefaults_Service. */
function defaultService(svc: Service): void {
  const s = spec(svc);
  if (!s.sessionAffinity) s.sessionAffinity = 'None';
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  if (s.sessionAffinity === 'ClientIP' && s.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    s.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (!s.type) s.type = 'ClusterIP';
  for (const p of s.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (needsNodePort(svc) && !s.externalTrafficPolicy) s.externalTrafficPolicy = 'Cluster';
  if (s.internalTrafficPolicy === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(s.type)) s.internalTrafficPolicy = 'Cluster';
  if (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts === undefined) s.allocateLoadBalancerNodePorts = true;
}

/** Upstream's NormalizeClusterIPs: keeps clusterIP and clusterIPs in step for old and new clients. */
function normalizeClusterIPs(svc: Service, old?: Service): void {
  const s = spec(svc);
  if (!old) {
    if (s.clusterIP && !(s.clusterIPs?.length)) s.clusterIPs = [s.clusterIP];
    return;
  }
  const o = old.spec ?? {};
  if ((o.clusterIPs?.length ?? 0) > 0 && !(s.clusterIPs?.length) && (o.clusterIP ?? '') === (s.clusterIP ?? '')) s.clusterIPs = [...o.clusterIPs!];
  if ((o.clusterIP ?? '') !== (s.clusterIP ?? '')) {
    if (o.clusterIP && !s.clusterIP && sameList(o.clusterIPs, s.clusterIPs)) delete s.clusterIPs;
    if (s.clusterIP && sameList(o.clusterIPs, s.clusterIPs)) s.clusterIPs = [s.clusterIP];
  }
}

/** Upstream's patchAllocatedValues: an update that omits allocated values keeps them. */
function patchAllocatedValues(svc: Service, old: Service): void {
  const s = spec(svc);
  const o = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!s.clusterIP && o.clusterIP) s.clusterIP = o.clusterIP;
    if (!(s.clusterIPs?.length) && o.clusterIPs?.length) s.clusterIPs = [...o.clusterIPs];
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const used = (x: ServiceSpec) => new Set((x.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
    const newUsed = used(s);
    const both = new Set([...used(o)].filter((n) => newUsed.has(n)));
    const byName = new Map((o.ports ?? []).map((p) => [p.name ?? '', p.nodePort ?? 0]));
    for (const p of s.ports ?? []) {
      if (!p.nodePort) {
        const prev = byName.get(p.name ?? '') ?? 0;
        if (prev && !both.has(prev)) p.nodePort = prev;
      }
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(svc) && !s.healthCheckNodePort && o.healthCheckNodePort) s.healthCheckNodePort = o.healthCheckNodePort;
}

/** Upstream's dropTypeDependentFields: a type change clears what the old type had allocated, unless the user changed it too. */
function dropTypeDependentFields(svc: Service, old: Service): void {
  const s = spec(svc);
  const o = old.spec ?? {};
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if ((o.clusterIP ?? '') === (s.clusterIP ?? '') && sameList(o.clusterIPs, s.clusterIPs)) { delete s.clusterIP; delete s.clusterIPs; }
    if (sameList(o.ipFamilies, s.ipFamilies)) delete s.ipFamilies;
    if (o.ipFamilyPolicy === s.ipFamilyPolicy) delete s.ipFamilyPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(svc) && sameList((o.ports ?? []).map((p) => p.nodePort ?? 0), (s.ports ?? []).map((p) => p.nodePort ?? 0))) {
    for (const p of s.ports ?? []) delete p.nodePort;
  }
  if (o.type === 'LoadBalancer' && s.type !== 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== undefined && s.allocateLoadBalancerNodePorts === o.allocateLoadBalancerNodePorts) {
    delete s.allocateLoadBalancerNodePorts;
  }
  if (needsHealthCheck(old) && !needsHealthCheck(svc) && o.healthCheckNodePort === s.healthCheckNodePort) delete s.healthCheckNodePort;
  if (needsNodePort(old) && !needsNodePort(svc) && o.externalTrafficPolicy === s.externalTrafficPolicy) delete s.externalTrafficPolicy;
  if (s.type !== 'LoadBalancer') svc.status = { ...svc.status, loadBalancer: {} };
}

/** Upstream's ValidateServiceClusterIPsRelatedFields (create form). */
function validateClusterIPFields(svc: Service): FieldError[] {
  const s = svc.spec ?? {};
  const errs: FieldError[] = [];
  const ips = s.clusterIPs ?? [];
  const ipsPath = root('clusterIPs');
  if (s.clusterIP) {
    if (ips.length === 0) errs.push(field.required(ipsPath, ''));
    else if (ips[0] !== s.clusterIP) errs.push(field.invalid(ipsPath, ips, 'first value must match `clusterIP`'));
  } else if (ips.length) {
    errs.push(field.invalid(ipsPath, ips, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (s.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(field.notSupported(root('ipFamilies').index(i), f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(field.duplicate(root('ipFamilies').index(i), f));
    seen.add(f);
  });
  if (s.ipFamilyPolicy !== undefined && !['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(s.ipFamilyPolicy)) {
    errs.push(field.notSupported(root('ipFamilyPolicy'), s.ipFamilyPolicy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) { badIPs = true; errs.push(field.invalid(ipsPath, ips, "'None' must be the first and only value")); }
      return;
    }
    if (isValidIP(ip).length) { badIPs = true; errs.push(field.invalid(ipsPath.index(i), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')); }
  });
  if (ips.length > 2) { badIPs = true; errs.push(field.invalid(ipsPath, ips, 'may only hold up to 2 values')); }
  if (badIPs) return errs;
  if (ips.length > 1 && familyOf(ips[0]!) === familyOf(ips[1]!)) errs.push(field.invalid(ipsPath, ips, 'may specify no more than one IP for each IP family'));
  if (!isHeadless(svc) && ips.length && s.ipFamilies?.length) {
    ips.forEach((ip, i) => {
      const fam = s.ipFamilies![i];
      if (fam === 'IPv4' && familyOf(ip) === 'IPv6') errs.push(field.invalid(ipsPath.index(i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (fam === 'IPv6' && familyOf(ip) !== 'IPv6') errs.push(field.invalid(ipsPath.index(i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/**
 * Upstream's initIPFamilyFields (service registry, alloc.go) for this single-stack IPv4 cluster:
 * defaults ipFamilyPolicy and ipFamilies, and returns the errors it would raise.
 */
function initIPFamilyFields(svc: Service, old?: Service): FieldError[] {
  const s = spec(svc);
  if (s.type === 'ExternalName') return [];
  const o = old?.spec;
  // A PreferDualStack service keeps its shape while the update leaves its IP fields alone.
  if (o && s.ipFamilyPolicy === 'PreferDualStack' && o.ipFamilyPolicy === 'PreferDualStack' && sameList(s.clusterIPs, o.clusterIPs) && sameList(s.ipFamilies, o.ipFamilies)) return [];
  if (s.ipFamilyPolicy === undefined) {
    if (o?.ipFamilyPolicy !== undefined) s.ipFamilyPolicy = o.ipFamilyPolicy;
    else if (s.clusterIP === 'None' && Object.keys(s.selector ?? {}).length === 0) s.ipFamilyPolicy = 'RequireDualStack';
    else s.ipFamilyPolicy = 'SingleStack';
  }
  const pre = validateClusterIPFields(svc);
  if (pre.length) return pre;
  const errs: FieldError[] = [];
  if (o) {
    if (s.ipFamilyPolicy === 'SingleStack') {
      if (sameList(s.clusterIPs, o.clusterIPs) && (s.clusterIPs?.length ?? 0) > 1) s.clusterIPs = s.clusterIPs!.slice(0, 1);
      if (sameList(s.ipFamilies, o.ipFamilies) && (s.ipFamilies?.length ?? 0) > 1) s.ipFamilies = s.ipFamilies!.slice(0, 1);
    } else {
      if ((s.clusterIPs?.length ?? 0) < (o.clusterIPs?.length ?? 0) && (s.clusterIPs?.length ?? 0) > 0) {
        errs.push(field.invalid(root('ipFamilyPolicy'), s.ipFamilyPolicy, "must be 'SingleStack' to release the secondary cluster IP"));
      }
      if ((s.ipFamilies?.length ?? 0) < (o.ipFamilies?.length ?? 0) && (s.ipFamilies?.length ?? 0) > 0) {
        errs.push(field.invalid(root('ipFamilyPolicy'), s.ipFamilyPolicy, "must be 'SingleStack' to release the secondary IP family"));
      }
    }
  }
  if (s.ipFamilyPolicy === 'SingleStack') {
    if (s.clusterIPs?.length === 2) errs.push(field.invalid(root('ipFamilyPolicy'), s.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (s.ipFamilies?.length === 2) errs.push(field.invalid(root('ipFamilyPolicy'), s.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  for (const [i, ip] of (s.clusterIPs ?? []).entries()) {
    if (ip === 'None') break;
    const fam = familyOf(ip);
    if (i >= (s.ipFamilies?.length ?? 0)) {
      if (!CLUSTER_FAMILIES.includes(fam)) errs.push(field.invalid(root('clusterIPs').index(i), s.clusterIPs, `${fam} is not configured on this cluster`));
      else s.ipFamilies = [...(s.ipFamilies ?? []), fam];
    }
  }
  if (errs.length) return errs;
  if (s.clusterIP === 'None' && Object.keys(s.selector ?? {}).length === 0) {
    // Headless and selectorless: any families are allowed; dual-stack policies get both.
    if (!(s.ipFamilies?.length)) s.ipFamilies = [CLUSTER_FAMILIES[0]!];
    if (s.ipFamilies.length < 2 && s.ipFamilyPolicy !== 'SingleStack') s.ipFamilies = [...s.ipFamilies, s.ipFamilies[0] === 'IPv4' ? 'IPv6' : 'IPv4'];
    return [];
  }
  if (s.ipFamilyPolicy === 'RequireDualStack' && CLUSTER_FAMILIES.length < 2) {
    errs.push(field.invalid(root('ipFamilyPolicy'), s.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  }
  (s.ipFamilies ?? []).forEach((f, i) => {
    if (!CLUSTER_FAMILIES.includes(f)) errs.push(field.invalid(root('ipFamilies').index(i), f, 'not configured on this cluster'));
  });
  if (errs.length) return errs;
  if (!(s.ipFamilies?.length)) s.ipFamilies = [CLUSTER_FAMILIES[0]!];
  return [];
}

/** Upstream's validateServicePort. */
function validateServicePort(p: ServicePort, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(field.required(path.child('name'), ''));
  else if (p.name) {
    for (const m of isDNS1123Label(p.name)) errs.push(field.invalid(path.child('name'), p.name, m));
    if (names.has(p.name)) errs.push(field.duplicate(path.child('name'), p.name));
    else names.add(p.name);
  }
  for (const m of isValidPortNum(p.port ?? 0)) errs.push(field.invalid(path.child('port'), p.port ?? 0, m));
  if (!p.protocol) errs.push(field.required(path.child('protocol'), ''));
  else if (!['SCTP', 'TCP', 'UDP'].includes(p.protocol)) errs.push(field.notSupported(path.child('protocol'), p.protocol, ['SCTP', 'TCP', 'UDP']));
  if (p.targetPort !== undefined) errs.push(...validatePortNumOrName(p.targetPort, path.child('targetPort')));
  if (p.appProtocol !== undefined) for (const m of isQualifiedName(p.appProtocol)) errs.push(field.invalid(path.child('appProtocol'), p.appProtocol, m));
  return errs;
}

/** ValidateNonSpecialIP: a parseable IP outside the unspecified, loopback and link-local ranges. */
function validateNonSpecialIP(ip: string, path: FieldPath): FieldError[] {
  // The sloppy parser upstream uses here accepts leading zeros; only an unparsable value fails.
  if (isValidIP(ip)[0]?.startsWith('must be a valid IP address')) return [field.invalid(path, ip, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (ip === '0.0.0.0' || ip === '::') errs.push(field.invalid(path, ip, `may not be unspecified (${ip})`));
  if (ip.startsWith('127.') || ip === '::1') errs.push(field.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip)) errs.push(field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (ip.startsWith('224.0.0.') || /^ff02:/i.test(ip)) errs.push(field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** Upstream's ValidateService (spec part; object meta is the registry's). */
function validateService(svc: Service): FieldError[] {
  const s = svc.spec ?? {};
  const errs: FieldError[] = [];
  const ports = s.ports ?? [];
  if (ports.length === 0 && !isHeadless(svc) && s.type !== 'ExternalName') errs.push(field.required(root('ports'), ''));
  switch (s.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (isHeadless(svc) || s.clusterIPs?.[0] === 'None') errs.push(field.invalid(root('clusterIPs').index(0), s.clusterIPs![0], `may not be set to 'None' for ${s.type} services`));
      break;
    case 'ExternalName': {
      if (s.clusterIPs?.length) errs.push(field.forbidden(root('clusterIPs'), 'may not be set for ExternalName services'));
      if (s.ipFamilies?.length) errs.push(field.forbidden(root('ipFamilies'), 'may not be set for ExternalName services'));
      if (s.ipFamilyPolicy !== undefined) errs.push(field.forbidden(root('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      const cname = (s.externalName ?? '').replace(/\.$/, '');
      if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(field.invalid(root('externalName'), cname, m));
      else errs.push(field.required(root('externalName'), ''));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, root('ports').index(i))));
  errs.push(...validateLabels(s.selector, root('selector')));
  if (!['ClientIP', 'None'].includes(s.sessionAffinity ?? '')) errs.push(field.notSupported(root('sessionAffinity'), s.sessionAffinity ?? '', ['ClientIP', 'None']));
  if (s.sessionAffinity === 'ClientIP') {
    const t = s.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (!s.sessionAffinityConfig?.clientIP) errs.push(field.required(root('sessionAffinityConfig'), 'when session affinity type is ClientIP'));
    else if (t === undefined || t <= 0 || t > 86400) errs.push(field.invalid(root('sessionAffinityConfig', 'clientIP', 'timeoutSeconds'), t ?? 0, 'must be greater than 0 and less than 86400'));
  } else if (s.sessionAffinity === 'None' && s.sessionAffinityConfig) {
    errs.push(field.forbidden(root('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }
  (s.externalIPs ?? []).forEach((ip, i) => errs.push(...validateNonSpecialIP(ip, root('externalIPs').index(i))));
  if (!s.type) errs.push(field.required(root('type'), ''));
  else if (!['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'].includes(s.type)) errs.push(field.notSupported(root('type'), s.type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']));
  if (s.type === 'ClusterIP') {
    ports.forEach((p, i) => { if (p.nodePort) errs.push(field.forbidden(root('ports').index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'")); });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(field.duplicate(root('ports').index(i).child('nodePort'), p.nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    // Upstream reports the internal ServicePort it keyed on (Go field names, zero values).
    if (seen.has(key)) errs.push(field.duplicate(root('ports').index(i), { Name: '', Protocol: p.protocol ?? '', AppProtocol: null, Port: p.port ?? 0, TargetPort: 0, NodePort: 0 }));
    seen.add(key);
  });
  if (s.type === 'LoadBalancer') {
    if (s.allocateLoadBalancerNodePorts === undefined) errs.push(field.required(FieldPath.root('allocateLoadBalancerNodePorts'), ''));
  } else if (s.allocateLoadBalancerNodePorts !== undefined) {
    errs.push(field.forbidden(root('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
  }
  if (!externallyAccessible(svc)) {
    if (s.externalTrafficPolicy) errs.push(field.invalid(root('externalTrafficPolicy'), s.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else if (!s.externalTrafficPolicy) {
    errs.push(field.required(root('externalTrafficPolicy'), ''));
  } else if (!['Cluster', 'Local'].includes(s.externalTrafficPolicy)) {
    errs.push(field.notSupported(root('externalTrafficPolicy'), s.externalTrafficPolicy, ['Cluster', 'Local']));
  }
  if (!needsHealthCheck(svc) && s.healthCheckNodePort) {
    errs.push(field.invalid(root('healthCheckNodePort'), s.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  if (s.internalTrafficPolicy === undefined) {
    if (s.type !== 'ExternalName') errs.push(field.required(root('internalTrafficPolicy'), ''));
  } else if (!['Cluster', 'Local'].includes(s.internalTrafficPolicy)) {
    errs.push(field.notSupported(root('internalTrafficPolicy'), s.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  errs.push(...validateClusterIPFields(svc));
  return errs;
}

/** Upstream's validateUpgradeDowngradeClusterIPs: clusterIPs[0] may not change except to or from ExternalName. */
function validateClusterIPsUpdate(svc: Service, old: Service): FieldError[] {
  if (svc.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName') return [];
  if (isHeadless(svc) && isHeadless(old)) return [];
  const n = svc.spec?.clusterIPs ?? [];
  const o = old.spec?.clusterIPs ?? [];
  const errs: FieldError[] = [];
  const p0 = root('clusterIPs').index(0);
  if (n.length === o.length) {
    o.forEach((ip, i) => { if (ip !== n[i]) errs.push(field.invalid(root('clusterIPs').index(i), n, 'may not change once set')); });
  } else if (o.length > n.length) {
    if (n.length === 0) errs.push(field.invalid(p0, n, 'primary clusterIP can not be unset'));
    if (o.length && n.length && n[0] !== o[0]) errs.push(field.invalid(p0, n, 'may not change once set'));
    if (n.length === 1 && svc.spec?.ipFamilyPolicy !== 'SingleStack') {
      errs.push(field.invalid(p0, n, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (o.length && n[0] !== o[0]) {
    errs.push(field.invalid(p0, n, 'may not change once set'));
  }
  return errs;
}

// IP-family errors found while preparing an object, reported by validate (prepare hooks return nothing).
const familyErrors = new WeakMap<object, FieldError[]>();

// ---- allocation through the store ----

const ownerOf = (svc: Service): AllocationOwner => ({ kind: 'Service', namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '' });

/** The allocators of a service network over one store. */
export function serviceAllocators(store: StoreHookContext['store'], network: ServiceNetwork = DEFAULT_SERVICE_NETWORK): { ips: KeyedAllocator; ports: KeyedAllocator } {
  const { first, last } = network.nodePortRange;
  return { ips: new KeyedAllocator(store, ipv4Range(network.clusterIPRange)), ports: new KeyedAllocator(store, portRange(first, last)) };
}

const invalidService = (svc: Service, errs: FieldError[]) => errors.invalid({ group: '', kind: 'Service' }, svc.metadata?.name ?? '', errs);

/** What one write took and what it gives back once it commits. */
class Transaction {
  private taken: Array<[KeyedAllocator, string]> = [];
  private toRelease: Array<[KeyedAllocator, string]> = [];
  constructor(private readonly owner: AllocationOwner, private readonly dryRun: boolean) {}

  async take(a: KeyedAllocator, item: string): Promise<void> {
    if (await a.allocate(item, this.owner, this.dryRun)) this.taken.push([a, item]);
  }

  async takeNext(a: KeyedAllocator): Promise<string> {
    const item = await a.allocateNext(this.owner, this.dryRun);
    this.taken.push([a, item]);
    return item;
  }

  releaseLater(a: KeyedAllocator, item: string): void {
    this.toRelease.push([a, item]);
  }

  finish: FinishFunc = async (success) => {
    if (this.dryRun) return;
    const list = success ? this.toRelease : this.taken;
    for (const [a, item] of list) await a.release(item, this.owner);
  };
}

async function allocClusterIP(svc: Service, a: KeyedAllocator, tx: Transaction): Promise<void> {
  const s = spec(svc);
  const want = s.clusterIPs?.[0] ?? s.clusterIP ?? '';
  if (!want) {
    let ip: string;
    try {
      ip = await tx.takeNext(a);
    } catch (e) {
      if (e instanceof AllocationError) throw errors.internalError(new Error(`failed to allocate a serviceIP: ${e.message}`));
      throw e;
    }
    s.clusterIP = ip;
    s.clusterIPs = [ip];
    return;
  }
  try {
    await tx.take(a, want);
  } catch (e) {
    if (e instanceof AllocationError) throw invalidService(svc, [field.invalid(root('clusterIPs'), s.clusterIPs ?? [want], `failed to allocate IP ${want}: ${e.message}`)]);
    throw e;
  }
}

async function allocNodePort(svc: Service, i: number, port: number, a: KeyedAllocator, tx: Transaction): Promise<void> {
  try {
    await tx.take(a, String(port));
  } catch (e) {
    if (e instanceof AllocationError) throw invalidService(svc, [field.invalid(root('ports').index(i).child('nodePort'), port, e.message)]);
    throw e;
  }
}

async function nextNodePort(a: KeyedAllocator, tx: Transaction): Promise<number> {
  try {
    return Number(await tx.takeNext(a));
  } catch (e) {
    if (e instanceof AllocationError) throw errors.internalError(new Error(`failed to allocate a nodePort: ${e.message}`));
    throw e;
  }
}

const shouldAllocateNodePorts = (svc: Service) => svc.spec?.type === 'NodePort' || (svc.spec?.type === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false);

/** Upstream's initNodePorts: one node port per service port number, requested ones honoured. */
async function initNodePorts(svc: Service, a: KeyedAllocator, tx: Transaction): Promise<void> {
  const ports = spec(svc).ports ?? [];
  const byPort = new Map<number, number>();
  for (const [i, p] of ports.entries()) {
    if (!p.nodePort && !shouldAllocateNodePorts(svc)) continue;
    const have = byPort.get(p.port ?? 0);
    if (!have) {
      const requested = ports.find((q) => q.port === p.port && q.nodePort)?.nodePort;
      if (requested) {
        await allocNodePort(svc, i, requested, a, tx);
        p.nodePort = requested;
      } else {
        p.nodePort = await nextNodePort(a, tx);
      }
      byPort.set(p.port ?? 0, p.nodePort);
    } else if (p.nodePort !== have) {
      if (!p.nodePort) p.nodePort = have;
      else await allocNodePort(svc, i, p.nodePort, a, tx);
    }
  }
}

async function allocHealthCheckNodePort(svc: Service, a: KeyedAllocator, tx: Transaction): Promise<void> {
  const s = spec(svc);
  if (s.healthCheckNodePort) {
    try {
      await tx.take(a, String(s.healthCheckNodePort));
    } catch (e) {
      if (e instanceof AllocationError) throw errors.internalError(new Error(`failed to allocate requested HealthCheck NodePort ${s.healthCheckNodePort}: ${e.message}`));
      throw e;
    }
  } else {
    s.healthCheckNodePort = await nextNodePort(a, tx);
  }
}

const nodePortsOf = (svc: Service): number[] => {
  const out = new Set<number>();
  for (const p of svc.spec?.ports ?? []) if (p.nodePort) out.add(p.nodePort);
  return [...out];
};

async function beginCreate(svc: Service, ctx: StoreHookContext, network: ServiceNetwork): Promise<FinishFunc> {
  const { ips, ports } = serviceAllocators(ctx.store, network);
  const tx = new Transaction(ownerOf(svc), ctx.dryRun);
  try {
    if (needsClusterIP(svc) && svc.spec?.clusterIPs?.[0] !== 'None') await allocClusterIP(svc, ips, tx);
    if (needsNodePort(svc)) await initNodePorts(svc, ports, tx);
    if (needsHealthCheck(svc)) await allocHealthCheckNodePort(svc, ports, tx);
  } catch (e) {
    await tx.finish(false);
    throw e;
  }
  return tx.finish;
}

async function beginUpdate(svc: Service, old: Service, ctx: StoreHookContext, network: ServiceNetwork): Promise<FinishFunc> {
  const { ips, ports } = serviceAllocators(ctx.store, network);
  const tx = new Transaction(ownerOf(old), ctx.dryRun);
  try {
    // Cluster IPs: allocated when leaving ExternalName, released when becoming it.
    if (old.spec?.type === 'ExternalName' && svc.spec?.type !== 'ExternalName') {
      if (svc.spec?.clusterIPs?.[0] !== 'None') await allocClusterIP(svc, ips, tx);
    } else if (old.spec?.clusterIPs?.[0] !== 'None' && old.spec?.type !== 'ExternalName' && svc.spec?.type === 'ExternalName') {
      for (const ip of old.spec?.clusterIPs ?? []) tx.releaseLater(ips, ip);
    }
    // Node ports, as upstream's txnUpdateNodePorts.
    const oldPorts = nodePortsOf(old);
    if (needsNodePort(old) && !needsNodePort(svc)) for (const p of oldPorts) tx.releaseLater(ports, String(p));
    if (needsNodePort(svc)) {
      const taken = new Set<number>();
      for (const [i, p] of (spec(svc).ports ?? []).entries()) {
        if (!p.nodePort && !shouldAllocateNodePorts(svc)) continue;
        if (p.nodePort) {
          if (!oldPorts.includes(p.nodePort) && !taken.has(p.nodePort)) {
            await allocNodePort(svc, i, p.nodePort, ports, tx);
            taken.add(p.nodePort);
          }
        } else {
          p.nodePort = await nextNodePort(ports, tx);
        }
      }
      const kept = nodePortsOf(svc);
      for (const p of oldPorts) if (!kept.includes(p)) tx.releaseLater(ports, String(p));
    }
    if (!needsHealthCheck(old) && needsHealthCheck(svc)) await allocHealthCheckNodePort(svc, ports, tx);
    else if (needsHealthCheck(old) && !needsHealthCheck(svc) && old.spec?.healthCheckNodePort) tx.releaseLater(ports, String(old.spec.healthCheckNodePort));
  } catch (e) {
    await tx.finish(false);
    throw e;
  }
  return tx.finish;
}

/** Frees everything a deleted service held. */
async function afterDelete(svc: Service, ctx: StoreHookContext, network: ServiceNetwork): Promise<void> {
  if (ctx.dryRun) return;
  const { ips, ports } = serviceAllocators(ctx.store, network);
  const owner = ownerOf(svc);
  if (needsClusterIP(svc)) for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') await ips.release(ip, owner);
  for (const p of nodePortsOf(svc)) await ports.release(String(p), owner);
  if (svc.spec?.healthCheckNodePort) await ports.release(String(svc.spec.healthCheckNodePort), owner);
}

// ---- Table ----

function externalIP(svc: Service, wide: boolean): string {
  const s = svc.spec ?? {};
  const ext = s.externalIPs ?? [];
  switch (s.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const set = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean))].sort();
      let lb = set.join(',');
      if (!wide && lb.length > 16) lb = `${lb.slice(0, 13)}...`;
      if (ext.length) return [...(lb ? lb.split(',') : []), ...ext].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return s.externalName ?? '';
  }
  return '<unknown>';
}

const portString = (ports: ServicePort[] | undefined): string =>
  (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');

/** The Service resource allocating from `network`: each API server registers its own (server/apiserver.ts). */
export function servicesFor(network: ServiceNetwork): ResourceDef<Service> {
  return defineResource<Service>({
    group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service',
    namespaced: true, shortNames: ['svc'], categories: ['all'], model: 'V1Service', returnDeletedObject: true,
    strategy: {
      nameValidator: nameIsDNS1035Label,
      defaults: defaultService,
      prepareForCreate(svc) {
        svc.status = { loadBalancer: {} };
        normalizeClusterIPs(svc);
        familyErrors.set(svc, initIPFamilyFields(svc));
      },
      prepareForUpdate(svc, old) {
        svc.status = structuredClone(old.status ?? { loadBalancer: {} });
        patchAllocatedValues(svc, old);
        normalizeClusterIPs(svc, old);
        dropTypeDependentFields(svc, old);
        familyErrors.set(svc, initIPFamilyFields(svc, old));
      },
      validate(svc) {
        const pending = familyErrors.get(svc) ?? [];
        familyErrors.delete(svc);
        // Family errors stand alone, as upstream raises them before validating the rest.
        return pending.length ? pending : validateService(svc);
      },
      validateUpdate: (svc, old) => validateClusterIPsUpdate(svc, old),
    },
    status: {
      prepareForUpdate(svc, old) {
        svc.spec = structuredClone(old.spec ?? {});
      },
    },
    storeHooks: {
      beginCreate: (svc, ctx) => beginCreate(svc, ctx, network),
      beginUpdate: (svc, old, ctx) => beginUpdate(svc, old, ctx, network),
      afterDelete: (svc, ctx) => afterDelete(svc, ctx, network),
    },
    // Served by server/streams (proxy.ts): any request to one ready endpoint; listed here for discovery.
    extraSubresources: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
    table: {
      columns: [
        nameColumn,
        { name: 'Type', type: 'string', description: 'How the service is exposed.' },
        { name: 'Cluster-IP', type: 'string', description: 'The virtual IP the service answers on inside the cluster.' },
        { name: 'External-IP', type: 'string', description: 'Addresses the service answers on from outside the cluster.' },
        { name: 'Port(s)', type: 'string', description: 'The ports the service exposes.' },
        ageColumn,
        { name: 'Selector', type: 'string', priority: 1, description: 'The labels of the pods the service routes to.' },
      ],
      row: (svc, now) => [
        svc.metadata?.name ?? '', svc.spec?.type ?? '', svc.spec?.clusterIPs?.[0] ?? '<none>', externalIP(svc, true),
        portString(svc.spec?.ports) || '<none>', age(svc, now), formatLabels(svc.spec?.selector),
      ],
    },
  });
}

/** Services over the default network (tests and resource lists; an API server binds its own). */
export const services = servicesFor(DEFAULT_SERVICE_NETWORK);
