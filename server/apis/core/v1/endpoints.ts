// core/v1 Endpoints: the addresses behind a service, written by the endpoints controller (or by
// hand for selectorless services). Upstream's defaults and validateEndpointSubsets.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

interface EndpointAddress { ip?: string; hostname?: string; nodeName?: string; targetRef?: object }
interface EndpointPort { name?: string; port?: number; protocol?: string; appProtocol?: string }
interface EndpointSubset { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: EndpointPort[] }
export type Endpoints = KubeObject & { subsets?: EndpointSubset[] };

function validateAddress(a: EndpointAddress, path: FieldPath): FieldError[] {
  const ip = a.ip ?? '';
  const errs: FieldError[] = [];
  const parseable = !isValidIP(ip)[0]?.startsWith('must be a valid IP address');
  if (!parseable) errs.push(field.invalid(path.child('ip'), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  if (a.hostname) for (const m of isDNS1123Label(a.hostname)) errs.push(field.invalid(path.child('hostname'), a.hostname, m));
  if (a.nodeName !== undefined) for (const m of isDNS1123Subdomain(a.nodeName)) errs.push(field.invalid(path.child('nodeName'), a.nodeName, m));
  // ValidateNonSpecialIP
  if (!parseable) errs.push(field.invalid(path.child('ip'), ip, 'must be a valid IP address'));
  else {
    if (ip === '0.0.0.0' || ip === '::') errs.push(field.invalid(path.child('ip'), ip, `may not be unspecified (${ip})`));
    if (ip.startsWith('127.') || ip === '::1') errs.push(field.invalid(path.child('ip'), ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
    if (ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip)) errs.push(field.invalid(path.child('ip'), ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
    if (ip.startsWith('224.0.0.') || /^ff02:/i.test(ip)) errs.push(field.invalid(path.child('ip'), ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

function validatePort(p: EndpointPort, requireName: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(field.required(path.child('name'), ''));
  else if (p.name) for (const m of isDNS1123Label(p.name)) errs.push(field.invalid(path.child('name'), p.name, m));
  for (const m of isValidPortNum(p.port ?? 0)) errs.push(field.invalid(path.child('port'), p.port ?? 0, m));
  if (!p.protocol) errs.push(field.required(path.child('protocol'), ''));
  else if (!['SCTP', 'TCP', 'UDP'].includes(p.protocol)) errs.push(field.notSupported(path.child('protocol'), p.protocol, ['SCTP', 'TCP', 'UDP']));
  if (p.appProtocol !== undefined) for (const m of isQualifiedName(p.appProtocol)) errs.push(field.invalid(path.child('appProtocol'), p.appProtocol, m));
  return errs;
}

function validateSubsets(subsets: EndpointSubset[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  (subsets ?? []).forEach((ss, i) => {
    const p = FieldPath.root('subsets').index(i);
    if (!(ss.addresses?.length) && !(ss.notReadyAddresses?.length)) errs.push(field.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    (ss.addresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, p.child('addresses').index(j))));
    (ss.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, p.child('notReadyAddresses').index(j))));
    (ss.ports ?? []).forEach((port, j) => errs.push(...validatePort(port, (ss.ports?.length ?? 0) > 1, p.child('ports').index(j))));
  });
  return errs;
}

/** Upstream's formatEndpoints: up to three ip:port pairs, then `+ N more...`. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!(ss.ports?.length)) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) { more = true; break; }
        list.push(a.ip ?? '');
      }
      continue;
    }
    for (const port of ss.ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) { more = true; break; }
        const ip = a.ip ?? '';
        list.push(ip.includes(':') ? `[${ip}]:${port.port}` : `${ip}:${port.port}`);
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

export const endpoints = defineResource<Endpoints>({
  group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints',
  namespaced: true, shortNames: ['ep'], model: 'V1Endpoints', listKind: 'EndpointsList',
  strategy: {
    defaults(ep) {
      for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
    },
    validate: (ep) => validateSubsets(ep.subsets),
  },
  table: {
    columns: [nameColumn, { name: 'Endpoints', type: 'string', description: 'The addresses behind the service.' }, ageColumn],
    row: (ep, now) => [ep.metadata?.name ?? '', formatEndpoints(ep), age(ep, now)],
  },
});
