// networking.k8s.io/v1 NetworkPolicy: which peers may reach (ingress) or be reached by (egress)
// the selected pods, on which ports. Defaults and validation as upstream's networking/v1.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isValidPortName, isValidPortNum } from '../../../../machinery/validation.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { cidrContains, parseCIDRSloppy } from '../../common/ip.ts';
import { formatLabelSelector } from '../../common/shapes.ts';

interface Port { protocol?: string; port?: number | string; endPort?: number }
interface Peer { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: { cidr?: string; except?: string[] } }
type NetworkPolicy = KubeObject & {
  spec?: {
    podSelector?: LabelSelector; policyTypes?: string[];
    ingress?: Array<{ ports?: Port[]; from?: Peer[] }>; egress?: Array<{ ports?: Port[]; to?: Peer[] }>;
  };
};

const protocols = ['TCP', 'UDP', 'SCTP'];
const policyTypes = ['Ingress', 'Egress'];
const cidrMessage = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function validatePort(port: Port, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !protocols.includes(port.protocol)) {
    errs.push(field.notSupported(path.child('protocol'), port.protocol, protocols));
  }
  const hasEnd = port.endPort !== undefined && port.endPort !== null;
  if (port.port !== undefined && port.port !== null) {
    if (typeof port.port === 'number') {
      for (const m of isValidPortNum(port.port)) errs.push(field.invalid(path.child('port'), port.port, m));
      if (hasEnd) {
        if (port.endPort! < port.port) errs.push(field.invalid(path.child('endPort'), port.endPort, 'must be greater than or equal to `port`'));
        for (const m of isValidPortNum(port.endPort!)) errs.push(field.invalid(path.child('endPort'), port.endPort, m));
      }
    } else {
      if (hasEnd) errs.push(field.invalid(path.child('endPort'), port.endPort, 'may not be specified when `port` is non-numeric'));
      for (const m of isValidPortName(port.port)) errs.push(field.invalid(path.child('port'), port.port, m));
    }
  } else if (hasEnd) {
    errs.push(field.invalid(path.child('endPort'), port.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateIPBlock(ipb: NonNullable<Peer['ipBlock']>, path: FieldPath): FieldError[] {
  const cidrText = ipb.cidr ?? '';
  if (cidrText === '') return [field.required(path.child('cidr'))];
  const cidr = parseCIDRSloppy(cidrText);
  if (!cidr) return [field.invalid(path.child('cidr'), cidrText, cidrMessage)];
  const errs: FieldError[] = [];
  (ipb.except ?? []).forEach((text, i) => {
    const p = path.child('except').index(i);
    const except = parseCIDRSloppy(text);
    if (!except) {
      errs.push(field.invalid(p, text, cidrMessage));
      return;
    }
    if (!cidrContains(cidr, except.ip) || cidr.prefix >= except.prefix) errs.push(field.invalid(p, text, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(peer: Peer, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (peer.podSelector) { n++; errs.push(...validateLabelSelector(peer.podSelector, path.child('podSelector'))); }
  if (peer.namespaceSelector) { n++; errs.push(...validateLabelSelector(peer.namespaceSelector, path.child('namespaceSelector'))); }
  if (peer.ipBlock) { n++; errs.push(...validateIPBlock(peer.ipBlock, path.child('ipBlock'))); }
  if (n === 0) errs.push(field.required(path, 'must specify a peer'));
  else if (n > 1 && peer.ipBlock) errs.push(field.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

export function validateNetworkPolicySpec(spec: NonNullable<NetworkPolicy['spec']>, path: FieldPath): FieldError[] {
  const errs = validateLabelSelector(spec.podSelector ?? {}, path.child('podSelector'));
  (spec.ingress ?? []).forEach((rule, i) => {
    const p = path.child('ingress').index(i);
    (rule.ports ?? []).forEach((port, j) => errs.push(...validatePort(port, p.child('ports').index(j))));
    (rule.from ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, p.child('from').index(j))));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    const p = path.child('egress').index(i);
    (rule.ports ?? []).forEach((port, j) => errs.push(...validatePort(port, p.child('ports').index(j))));
    (rule.to ?? []).forEach((peer, j) => errs.push(...validatePeer(peer, p.child('to').index(j))));
  });
  const types = spec.policyTypes ?? [];
  if (types.length > policyTypes.length) {
    errs.push(field.invalid(path.child('policyTypes'), types, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!policyTypes.includes(t)) errs.push(field.notSupported(path.child('policyTypes').index(i), t, policyTypes));
  });
  return errs;
}

export const networkpolicies = defineResource<NetworkPolicy>({
  group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', singular: 'networkpolicy',
  namespaced: true, shortNames: ['netpol'], model: 'V1NetworkPolicy', hasGeneration: true,
  strategy: {
    defaults(np) {
      const spec = (np.spec ??= {});
      for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
        for (const port of rule.ports ?? []) port.protocol ??= 'TCP';
      }
      // A policy without policyTypes is an Ingress policy, and an Egress one too when it has egress rules.
      if ((spec.policyTypes ?? []).length === 0) spec.policyTypes = (spec.egress ?? []).length ? ['Ingress', 'Egress'] : ['Ingress'];
    },
    validate: (np) => validateNetworkPolicySpec(np.spec ?? {}, FieldPath.root('spec')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Pod-Selector', type: 'string', description: 'The pods the policy applies to.' },
      ageColumn,
    ],
    row: (np, now) => [np.metadata?.name ?? '', formatLabelSelector(np.spec?.podSelector ?? {}), age(np, now)],
  },
});
