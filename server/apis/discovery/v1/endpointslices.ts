// discovery.k8s.io/v1 EndpointSlice: a Service's backends as addresses of one type (IPv4, IPv6
// or FQDN) with their ports. Validation and the generation rule follow upstream's
// pkg/apis/discovery/validation and pkg/registry/discovery/endpointslice.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isDNS1123Label, isFullyQualifiedDomainName, isQualifiedName, isValidLabelValue, nameIsDNSSubdomain, validateImmutableField, validateLabels } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { isIPv4, isLinkLocalMulticast, isLinkLocalUnicast, isLoopback, isUnspecified, parseIPSloppy } from '../../common/ip.ts';
import { listWithMore, semanticEqual } from '../../common/shapes.ts';

interface EndpointPort { name?: string; protocol?: string; port?: number; appProtocol?: string }
interface Endpoint {
  addresses?: string[]; conditions?: Record<string, unknown>; hostname?: string; nodeName?: string; zone?: string;
  deprecatedTopology?: Record<string, string>; hints?: { forZones?: Array<{ name?: string }> }; targetRef?: unknown;
}
type EndpointSlice = KubeObject & { addressType?: string; endpoints?: Endpoint[] | null; ports?: EndpointPort[] | null };

const supportedAddressTypes = ['FQDN', 'IPv4', 'IPv6'];
const supportedProtocols = ['SCTP', 'TCP', 'UDP'];
const maxTopologyLabels = 16;
const maxAddresses = 100;
const maxPorts = 20000;
const maxEndpoints = 1000;
const maxZoneHints = 8;

/** Upstream's ValidateEndpointIP: no unspecified, loopback or link-local addresses. */
export function validateEndpointIP(address: string, path: FieldPath): FieldError[] {
  const ip = parseIPSloppy(address);
  if (!ip) return [field.invalid(path, address, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (isUnspecified(ip)) errs.push(field.invalid(path, address, `may not be unspecified (${address})`));
  if (isLoopback(ip)) errs.push(field.invalid(path, address, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (isLinkLocalUnicast(ip)) errs.push(field.invalid(path, address, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticast(ip)) errs.push(field.invalid(path, address, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

function validateEndpoints(endpoints: Endpoint[], addressType: string | undefined, path: FieldPath): FieldError[] {
  if (endpoints.length > maxEndpoints) return [field.tooMany(path, endpoints.length, maxEndpoints)];
  const errs: FieldError[] = [];
  endpoints.forEach((ep, i) => {
    const p = path.index(i);
    const addrPath = p.child('addresses');
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) errs.push(field.required(addrPath, 'must contain at least 1 address'));
    else if (addresses.length > maxAddresses) errs.push(field.tooMany(addrPath, addresses.length, maxAddresses));
    addresses.forEach((address, j) => {
      const ap = addrPath.index(j);
      // Unknown address types are reported on addressType and not checked here.
      switch (addressType) {
        case 'IPv4': {
          const ip = parseIPSloppy(address);
          if (!ip || !isIPv4(ip)) errs.push(field.invalid(ap, address, 'must be a valid IPv4 address'));
          errs.push(...validateEndpointIP(address, ap));
          break;
        }
        case 'IPv6': {
          const ip = parseIPSloppy(address);
          if (!ip || isIPv4(ip)) errs.push(field.invalid(ap, address, 'must be a valid IPv6 address'));
          errs.push(...validateEndpointIP(address, ap));
          break;
        }
        case 'FQDN':
          errs.push(...isFullyQualifiedDomainName(ap, address));
          break;
      }
    });
    if (ep.nodeName !== undefined && ep.nodeName !== null) {
      for (const m of nameIsDNSSubdomain(ep.nodeName, false)) errs.push(field.invalid(p.child('nodeName'), ep.nodeName, m));
    }
    const topoPath = p.child('deprecatedTopology');
    const topo = ep.deprecatedTopology ?? {};
    if (Object.keys(topo).length > maxTopologyLabels) errs.push(field.tooMany(topoPath, Object.keys(topo).length, maxTopologyLabels));
    errs.push(...validateLabels(topo, topoPath));
    if (ep.hostname !== undefined && ep.hostname !== null) {
      for (const m of isDNS1123Label(ep.hostname)) errs.push(field.invalid(p.child('hostname'), ep.hostname, m));
    }
    if (ep.hints) {
      const fz = p.child('hints', 'forZones');
      const zones = ep.hints.forZones ?? [];
      if (zones.length > maxZoneHints) {
        errs.push(field.tooMany(fz, zones.length, maxZoneHints));
      } else {
        const seen = new Set<string>();
        zones.forEach((z, k) => {
          const zp = fz.index(k).child('name');
          const name = z.name ?? '';
          if (seen.has(name)) errs.push(field.duplicate(zp, name)); else seen.add(name);
          for (const m of isValidLabelValue(name)) errs.push(field.invalid(zp, name, m));
        });
      }
    }
  });
  return errs;
}

function validatePorts(ports: EndpointPort[], path: FieldPath): FieldError[] {
  if (ports.length > maxPorts) return [field.tooMany(path, ports.length, maxPorts)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = path.index(i);
    const name = port.name ?? '';
    if (name.length > 0) for (const m of isDNS1123Label(name)) errs.push(field.invalid(p.child('name'), name, m));
    if (names.has(name)) errs.push(field.duplicate(p.child('name'), name)); else names.add(name);
    if (port.protocol === undefined || port.protocol === null) errs.push(field.required(p.child('protocol')));
    else if (!supportedProtocols.includes(port.protocol)) errs.push(field.notSupported(p.child('protocol'), port.protocol, supportedProtocols));
    if (port.appProtocol !== undefined && port.appProtocol !== null) {
      for (const m of isQualifiedName(port.appProtocol)) errs.push(field.invalid(p.child('appProtocol'), port.appProtocol, m));
    }
  });
  return errs;
}

export function validateEndpointSlice(eps: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  if (!eps.addressType) errs.push(field.required(FieldPath.root('addressType')));
  else if (!supportedAddressTypes.includes(eps.addressType)) errs.push(field.notSupported(FieldPath.root('addressType'), eps.addressType, supportedAddressTypes));
  errs.push(...validateEndpoints(eps.endpoints ?? [], eps.addressType, FieldPath.root('endpoints')));
  errs.push(...validatePorts(eps.ports ?? [], FieldPath.root('ports')));
  return errs;
}

/** Upstream's formatDiscoveryPorts: at most three ports (number, else name), then "+ N more...". */
function formatPorts(ports: EndpointPort[]): string {
  const list: string[] = [];
  let more = false;
  for (const port of ports) {
    if (list.length < 3) list.push(port.port !== undefined && port.port !== null ? String(port.port) : port.name !== undefined && port.name !== null ? port.name : '*');
    else more = true;
  }
  return listWithMore(list, more, ports.length, 3);
}

function formatEndpoints(endpoints: Endpoint[]): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ep of endpoints) {
    for (const address of ep.addresses ?? []) {
      if (list.length < 3) list.push(address); else more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, 3);
}

export const endpointslices = defineResource<EndpointSlice>({
  group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice',
  namespaced: true, model: 'V1EndpointSlice', hasGeneration: true,
  strategy: {
    defaults(eps) {
      for (const port of eps.ports ?? []) {
        port.name ??= '';
        port.protocol ??= 'TCP';
      }
      // `endpoints` and `ports` have no omitempty, and an empty list reads back from upstream's
      // (protobuf) storage as a nil one: both are written `null` when there are none. An
      // endpoint's conditions are a struct, always written.
      if (!eps.endpoints?.length) eps.endpoints = null;
      if (!eps.ports?.length) eps.ports = null;
      for (const ep of eps.endpoints ?? []) ep.conditions ??= {};
    },
    // A v1 write silently clears deprecatedTopology (upstream's dropTopologyOnV1).
    prepareForCreate(eps) {
      for (const ep of eps.endpoints ?? []) delete ep.deprecatedTopology;
    },
    prepareForUpdate(eps, old) {
      // Labels count as a change of the slice, as upstream bumps the generation for them too.
      if (!semanticEqual(eps.metadata?.labels, old.metadata?.labels)) eps.metadata!.generation = (old.metadata?.generation ?? 0) + 1;
      if (!semanticEqual(eps.endpoints, old.endpoints)) for (const ep of eps.endpoints ?? []) delete ep.deprecatedTopology;
    },
    validate: (eps) => validateEndpointSlice(eps),
    validateUpdate: (eps, old) => validateImmutableField(eps.addressType ?? '', old.addressType ?? '', FieldPath.root('addressType')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'AddressType', type: 'string', description: 'The type of the addresses in this slice.' },
      { name: 'Ports', type: 'string', description: 'The ports the endpoints serve.' },
      { name: 'Endpoints', type: 'string', description: 'The addresses of the endpoints.' },
      ageColumn,
    ],
    row: (eps, now) => [eps.metadata?.name ?? '', eps.addressType ?? '', formatPorts(eps.ports ?? []), formatEndpoints(eps.endpoints ?? []), age(eps, now)],
  },
});
