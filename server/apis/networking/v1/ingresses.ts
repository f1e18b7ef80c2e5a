// networking.k8s.io/v1 Ingress: host and path rules routing to Service backends, with TLS, and
// a status the ingress controller writes. Validation as upstream's
// pkg/apis/networking/validation (1.32: Service names are DNS-1035 labels).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import {
  isDNS1123Subdomain, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain, nameIsDNS1035Label, nameIsDNSSubdomain,
  validatePathSegmentName,
} from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { parseIPSloppy } from '../../common/ip.ts';

interface TypedLocalObjectReference { apiGroup?: string; kind?: string; name?: string }
interface IngressBackend { service?: { name?: string; port?: { name?: string; number?: number } }; resource?: TypedLocalObjectReference }
interface HTTPIngressPath { path?: string; pathType?: string; backend?: IngressBackend }
interface IngressRule { host?: string; http?: { paths?: HTTPIngressPath[] } }
interface IngressTLS { hosts?: string[]; secretName?: string }
interface LoadBalancerIngress { ip?: string; hostname?: string; ports?: unknown[] }
type Ingress = KubeObject & {
  spec?: { ingressClassName?: string; defaultBackend?: IngressBackend; rules?: IngressRule[]; tls?: IngressTLS[] };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
};

const supportedPathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];

interface Options { allowInvalidSecretName: boolean; allowInvalidWildcardHostRule: boolean }

function validateTypedLocalObjectReference(ref: TypedLocalObjectReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup !== undefined && ref.apiGroup !== null) {
    for (const m of isDNS1123Subdomain(ref.apiGroup)) errs.push(field.invalid(path.child('apiGroup'), ref.apiGroup, m));
  }
  if (!ref.kind) errs.push(field.required(path.child('kind')));
  else for (const m of validatePathSegmentName(ref.kind, false)) errs.push(field.invalid(path.child('kind'), ref.kind, m));
  if (!ref.name) errs.push(field.required(path.child('name')));
  else for (const m of validatePathSegmentName(ref.name, false)) errs.push(field.invalid(path.child('name'), ref.name, m));
  return errs;
}

function validateBackend(b: IngressBackend, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = b.resource !== undefined && b.resource !== null;
  const hasService = b.service !== undefined && b.service !== null;
  if (hasResource && hasService) return [field.invalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) return validateTypedLocalObjectReference(b.resource!, path.child('resource'));
  if (!hasService) return [field.invalid(path, '', 'resource or service backend is required')];
  const svc = b.service!;
  if (!svc.name) errs.push(field.required(path.child('service', 'name')));
  else for (const m of nameIsDNS1035Label(svc.name, false)) errs.push(field.invalid(path.child('service', 'name'), svc.name, m));
  const portName = svc.port?.name ?? '';
  const portNumber = svc.port?.number ?? 0;
  if (portName !== '' && portNumber !== 0) errs.push(field.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName !== '') for (const m of isValidPortName(portName)) errs.push(field.invalid(path.child('service', 'port', 'name'), portName, m));
  else if (portNumber !== 0) for (const m of isValidPortNum(portNumber)) errs.push(field.invalid(path.child('service', 'port', 'number'), portNumber, m));
  else errs.push(field.required(path, 'port name or number is required'));
  return errs;
}

function validatePath(p: HTTPIngressPath, path: FieldPath): FieldError[] {
  if (p.pathType === undefined || p.pathType === null) return [field.required(path.child('pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const text = p.path ?? '';
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!text.startsWith('/')) errs.push(field.invalid(path.child('path'), text, 'must be an absolute path'));
      if (text.length > 0) {
        for (const seq of invalidPathSequences) if (text.includes(seq)) errs.push(field.invalid(path.child('path'), text, `must not contain '${seq}'`));
        for (const suf of invalidPathSuffixes) if (text.endsWith(suf)) errs.push(field.invalid(path.child('path'), text, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (text.length > 0 && !text.startsWith('/')) errs.push(field.invalid(path.child('path'), text, 'must be an absolute path'));
      break;
    default:
      errs.push(field.notSupported(path.child('pathType'), p.pathType, supportedPathTypes));
  }
  errs.push(...validateBackend(p.backend ?? {}, path.child('backend')));
  return errs;
}

function validateRuleValue(rule: IngressRule, path: FieldPath): FieldError[] {
  if (!rule.http) return [];
  const errs: FieldError[] = [];
  const paths = rule.http.paths ?? [];
  if (paths.length === 0) errs.push(field.required(path.child('http', 'paths')));
  paths.forEach((p, i) => errs.push(...validatePath(p, path.child('http', 'paths').index(i))));
  return errs;
}

function validateRules(rules: IngressRule[], path: FieldPath, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    let wildcard = false;
    const host = rule.host ?? '';
    if (host.length > 0) {
      if (parseIPSloppy(host)) errs.push(field.invalid(path.index(i).child('host'), host, 'must be a DNS name, not an IP address'));
      if (host.includes('*')) {
        for (const m of isWildcardDNS1123Subdomain(host)) errs.push(field.invalid(path.index(i).child('host'), host, m));
        wildcard = true;
      } else {
        for (const m of isDNS1123Subdomain(host)) errs.push(field.invalid(path.index(i).child('host'), host, m));
      }
    }
    if (!wildcard || !opts.allowInvalidWildcardHostRule) errs.push(...validateRuleValue(rule, path.index(i)));
  });
  return errs;
}

function validateTLS(tls: IngressTLS[], path: FieldPath, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((t, i) => {
    (t.hosts ?? []).forEach((host, j) => {
      const check = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of check) errs.push(field.invalid(path.index(i).child('hosts').index(j), host, m));
    });
    if (!opts.allowInvalidSecretName && t.secretName) {
      for (const m of nameIsDNSSubdomain(t.secretName, false)) errs.push(field.invalid(path.index(i).child('secretName'), t.secretName, m));
    }
  });
  return errs;
}

export function validateIngressSpec(spec: NonNullable<Ingress['spec']>, path: FieldPath, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(field.invalid(path, spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, path.child('defaultBackend')));
  if (rules.length > 0) errs.push(...validateRules(rules, path.child('rules'), opts));
  if ((spec.tls ?? []).length > 0) errs.push(...validateTLS(spec.tls!, path.child('tls'), opts));
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) {
    for (const m of nameIsDNSSubdomain(spec.ingressClassName, false)) errs.push(field.invalid(path.child('ingressClassName'), spec.ingressClassName, m));
  }
  return errs;
}

// Upstream relaxes the secret-name and wildcard-host rules on update when the stored object
// already broke them; objects stored here were validated strictly, so the strict rules apply.
const strict: Options = { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false };

const ingressClassAnnotation = 'kubernetes.io/ingress.class';

function validateLoadBalancerStatus(ing: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  const path = FieldPath.root('status', 'loadBalancer', 'ingress');
  (ing.status?.loadBalancer?.ingress ?? []).forEach((lb, i) => {
    const p = path.index(i);
    if (lb.ip && !parseIPSloppy(lb.ip)) errs.push(field.invalid(p.child('ip'), lb.ip, 'must be a valid IP address'));
    if (lb.hostname) {
      for (const m of isDNS1123Subdomain(lb.hostname)) errs.push(field.invalid(p.child('hostname'), lb.hostname, m));
      if (parseIPSloppy(lb.hostname)) errs.push(field.invalid(p.child('hostname'), lb.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** Upstream's ingressLoadBalancerStatusStringer: the distinct IPs (else hostnames), sorted. */
function loadBalancerString(ing: Ingress): string {
  const set = new Set<string>();
  for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
    if (lb.ip) set.add(lb.ip); else if (lb.hostname) set.add(lb.hostname);
  }
  // The server prints rows as for -o wide, so the address is never clipped.
  return [...set].sort().join(',');
}

function formatHosts(rules: IngressRule[]): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === 3) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

export const ingresses = defineResource<Ingress>({
  group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', singular: 'ingress',
  namespaced: true, shortNames: ['ing'], model: 'V1Ingress', hasGeneration: true,
  strategy: {
    prepareForCreate(ing) {
      ing.status = { loadBalancer: {} };
    },
    validate(ing, ctx) {
      const errs = validateIngressSpec(ing.spec ?? {}, FieldPath.root('spec'), strict);
      if (ctx.operation !== 'UPDATE') {
        const annotation = ing.metadata?.annotations?.[ingressClassAnnotation];
        if (annotation !== undefined && ing.spec?.ingressClassName !== undefined && annotation !== ing.spec.ingressClassName) {
          errs.push(field.invalid(FieldPath.root('annotations').child(ingressClassAnnotation), annotation, 'must match `ingressClassName` when both are specified'));
        }
      }
      return errs;
    },
  },
  status: {
    validateUpdate: (ing) => validateLoadBalancerStatus(ing),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Class', type: 'string', description: 'The IngressClass that handles this ingress.' },
      { name: 'Hosts', type: 'string', description: 'The hosts the rules match.' },
      { name: 'Address', type: 'string', description: 'The load-balancer addresses of the ingress.' },
      { name: 'Ports', type: 'string', description: 'The ports the ingress serves (443 with TLS).' },
      ageColumn,
    ],
    row: (ing, now) => [
      ing.metadata?.name ?? '', ing.spec?.ingressClassName ?? '<none>', formatHosts(ing.spec?.rules ?? []), loadBalancerString(ing),
      (ing.spec?.tls ?? []).length ? '80, 443' : '80', age(ing, now),
    ],
  },
});
