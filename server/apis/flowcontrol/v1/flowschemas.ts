// flowcontrol.apiserver.k8s.io/v1 FlowSchema: which requests (by subject and verb/resource) go
// to which priority level, in precedence order. The mandatory exempt and catch-all schemas keep
// their fixed spec.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { nameIsDNSLabel, nameIsDNSSubdomain } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { goStruct, semanticEqual } from '../../common/shapes.ts';
import { mandatorySpec } from './bootstrap.ts';

interface Subject { kind?: string; user?: { name?: string }; group?: { name?: string }; serviceAccount?: { name?: string; namespace?: string } }
interface ResourceRule { verbs?: string[]; apiGroups?: string[]; resources?: string[]; namespaces?: string[] | null; clusterScope?: boolean }
interface NonResourceRule { verbs?: string[]; nonResourceURLs?: string[] }
interface Rule { subjects?: Subject[]; resourceRules?: ResourceRule[]; nonResourceRules?: NonResourceRule[] }
interface Condition { type?: string; status?: string; lastTransitionTime?: string; reason?: string; message?: string }
type FlowSchema = KubeObject & {
  spec?: { priorityLevelConfiguration?: { name?: string }; matchingPrecedence?: number; distinguisherMethod?: { type?: string }; rules?: Rule[] };
  status?: { conditions?: Condition[] };
};

export const FlowSchemaMaxMatchingPrecedence = 10000;
const distinguisherMethods = ['ByNamespace', 'ByUser'];
const supportedVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'proxy', 'update', 'watch'];
const subjectKinds = ['Group', 'ServiceAccount', 'User'];
const nsErrIntro = "each member of this list must be '*' or a DNS-1123 label; ";
const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v);

function validateSubject(s: Subject, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const forbidUser = () => { if (s.user) errs.push(field.forbidden(path.child('user'), "user is forbidden when subject kind is not 'User'")); };
  const forbidGroup = () => { if (s.group) errs.push(field.forbidden(path.child('group'), "group is forbidden when subject kind is not 'Group'")); };
  const forbidSA = () => { if (s.serviceAccount) errs.push(field.forbidden(path.child('serviceAccount'), "serviceAccount is forbidden when subject kind is not 'ServiceAccount'")); };
  switch (s.kind) {
    case 'ServiceAccount': {
      const p = path.child('serviceAccount');
      const sa = s.serviceAccount;
      if (!sa) errs.push(field.required(p, "serviceAccount is required when subject kind is 'ServiceAccount'"));
      else {
        if (!sa.name) errs.push(field.required(p.child('name')));
        else if (sa.name !== '*') for (const m of nameIsDNSSubdomain(sa.name, false)) errs.push(field.invalid(p.child('name'), sa.name, m));
        if (sa.namespace) for (const m of nameIsDNSLabel(sa.namespace, false)) errs.push(field.invalid(p.child('namespace'), sa.namespace, m));
        else errs.push(field.required(p.child('namespace'), 'must specify namespace for service account'));
      }
      forbidUser(); forbidGroup();
      break;
    }
    case 'User':
      if (!s.user) errs.push(field.required(path.child('user'), "user is required when subject kind is 'User'"));
      else if (!s.user.name) errs.push(field.required(path.child('user', 'name')));
      forbidSA(); forbidGroup();
      break;
    case 'Group':
      if (!s.group) errs.push(field.required(path.child('group'), "group is required when subject kind is 'Group'"));
      else if (!s.group.name) errs.push(field.required(path.child('group', 'name')));
      forbidSA(); forbidUser();
      break;
    default:
      errs.push(field.notSupported(path.child('kind'), s.kind ?? '', subjectKinds));
  }
  return errs;
}

function validateVerbs(verbs: string[] | undefined, path: FieldPath): FieldError[] {
  const v = verbs ?? [];
  if (v.length === 0) return [field.required(path, 'verbs must contain at least one value')];
  if (v.includes('*')) return v.length > 1 ? [field.invalid(path, v, "if '*' is present, must not specify other verbs")] : [];
  if (!v.every((x) => supportedVerbs.includes(x))) return [field.notSupported(path, v, supportedVerbs)];
  return [];
}

/** Upstream's ValidateNonResourceURLPath. */
function validateNonResourceURL(url: string, path: FieldPath): FieldError | undefined {
  if (url === '') return field.invalid(path, url, 'must not be empty');
  if (url === '/') return undefined;
  if (!url.startsWith('/')) return field.invalid(path, url, 'must start with slash');
  if (url.includes(' ')) return field.invalid(path, url, 'must not contain white-space');
  if (url.includes('//')) return field.invalid(path, url, 'must not contain double slash');
  const wildcards = url.split('*').length - 1;
  if (wildcards > 1 || (wildcards === 1 && url.slice(-2) !== '/*')) return field.invalid(path, url, 'wildcard can only do suffix matching');
  return undefined;
}

function validateResourceRule(r: ResourceRule, path: FieldPath): FieldError[] {
  const errs = validateVerbs(r.verbs, path.child('verbs'));
  const groups = r.apiGroups ?? [], resources = r.resources ?? [], namespaces = r.namespaces ?? [];
  if (groups.length === 0) errs.push(field.required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  else if (groups.length > 1 && has(groups, '*')) errs.push(field.invalid(path.child('apiGroups'), groups, "if '*' is present, must not specify other api groups"));
  if (resources.length === 0) errs.push(field.required(path.child('resources'), 'resource rules must supply at least one resource'));
  else if (resources.length > 1 && has(resources, '*')) errs.push(field.invalid(path.child('resources'), resources, "if '*' is present, must not specify other resources"));
  if (namespaces.length === 0 && !r.clusterScope) {
    errs.push(field.required(path.child('namespaces'), 'resource rules that are not cluster scoped must supply at least one namespace'));
  } else if (has(namespaces, '*')) {
    if (namespaces.length > 1) errs.push(field.invalid(path.child('namespaces'), namespaces, "if '*' is present, must not specify other namespaces"));
  } else {
    namespaces.forEach((ns, i) => { for (const m of nameIsDNSLabel(ns, false)) errs.push(field.invalid(path.child('namespaces').index(i), ns, nsErrIntro + m)); });
  }
  return errs;
}

function validateNonResourceRule(r: NonResourceRule, path: FieldPath): FieldError[] {
  const errs = validateVerbs(r.verbs, path.child('verbs'));
  const urls = r.nonResourceURLs ?? [];
  if (urls.length === 0) errs.push(field.required(path.child('nonResourceURLs'), 'nonResourceURLs must contain at least one value'));
  else if (has(urls, '*')) {
    if (urls.length > 1) errs.push(field.invalid(path.child('nonResourceURLs'), urls, "if '*' is present, must not specify other non-resource URLs"));
  } else {
    urls.forEach((u, i) => { const e = validateNonResourceURL(u, path.child('nonResourceURLs').index(i)); if (e) errs.push(e); });
  }
  return errs;
}

function validateRule(rule: Rule, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const subjects = rule.subjects ?? [];
  if (subjects.length > 0) subjects.forEach((s, i) => errs.push(...validateSubject(s, path.child('subjects').index(i))));
  else errs.push(field.required(path.child('subjects'), 'subjects must contain at least one value'));
  if ((rule.resourceRules ?? []).length === 0 && (rule.nonResourceRules ?? []).length === 0) {
    errs.push(field.required(path, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
  }
  (rule.resourceRules ?? []).forEach((r, i) => errs.push(...validateResourceRule(r, path.child('resourceRules').index(i))));
  (rule.nonResourceRules ?? []).forEach((r, i) => errs.push(...validateNonResourceRule(r, path.child('nonResourceRules').index(i))));
  return errs;
}

export function validateFlowSchemaSpec(name: string, spec: NonNullable<FlowSchema['spec']>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const mp = spec.matchingPrecedence ?? 0;
  if (mp <= 0) errs.push(field.invalid(path.child('matchingPrecedence'), mp, 'must be a positive value'));
  if (mp > FlowSchemaMaxMatchingPrecedence) errs.push(field.invalid(path.child('matchingPrecedence'), mp, `must not be greater than ${FlowSchemaMaxMatchingPrecedence}`));
  if (mp === 1 && name !== 'exempt') errs.push(field.invalid(path.child('matchingPrecedence'), mp, "only the schema named 'exempt' may have matchingPrecedence 1"));
  if (spec.distinguisherMethod && !distinguisherMethods.includes(spec.distinguisherMethod.type ?? '')) {
    errs.push(field.notSupported(path.child('distinguisherMethod', 'type'), goStruct({ type: spec.distinguisherMethod.type ?? '' }), distinguisherMethods));
  }
  const pl = spec.priorityLevelConfiguration?.name ?? '';
  if (pl.length > 0) for (const m of nameIsDNSSubdomain(pl, false)) errs.push(field.invalid(path.child('priorityLevelConfiguration', 'name'), pl, m));
  else errs.push(field.required(path.child('priorityLevelConfiguration', 'name'), 'must reference a priority level'));
  (spec.rules ?? []).forEach((r, i) => errs.push(...validateRule(r, path.child('rules').index(i))));
  return errs;
}

export function validateConditionsStatus(conditions: Condition[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (conditions ?? []).forEach((c, i) => {
    const type = c.type ?? '';
    if (seen.has(type)) errs.push(field.duplicate(path.child('conditions').index(i).child('type'), type));
    seen.add(type);
    if (type === '') errs.push(field.required(path.child('conditions').index(i).child('type'), 'must not be empty'));
  });
  return errs;
}

function validateFlowSchema(fs: FlowSchema): FieldError[] {
  const name = fs.metadata?.name ?? '';
  const errs = validateFlowSchemaSpec(name, fs.spec ?? {}, FieldPath.root('spec'));
  const fixed = mandatorySpec('FlowSchema', name);
  if (fixed && !semanticEqual(fs.spec, fixed)) errs.push(field.invalid(FieldPath.root('spec'), goStruct(fs.spec ?? {}), `spec of '${name}' must equal the fixed value`));
  errs.push(...validateConditionsStatus(fs.status?.conditions, FieldPath.root('status')));
  return errs;
}

export const flowschemas = defineResource<FlowSchema>({
  group: 'flowcontrol.apiserver.k8s.io', version: 'v1', kind: 'FlowSchema', plural: 'flowschemas', singular: 'flowschema',
  namespaced: false, model: 'V1FlowSchema', hasGeneration: true,
  strategy: {
    defaults(fs) {
      const spec = (fs.spec ??= {});
      if (!spec.matchingPrecedence) spec.matchingPrecedence = 1000;
      // A resource rule's `namespaces` has no omitempty, and an empty list reads back from
      // upstream's (protobuf) storage as nil: a cluster-scoped-only rule is written `namespaces: null`.
      for (const rule of spec.rules ?? []) for (const rr of rule.resourceRules ?? []) if (!rr.namespaces?.length) rr.namespaces = null;
    },
    prepareForCreate(fs) {
      fs.status = {};
    },
    validate: (fs) => validateFlowSchema(fs),
  },
  status: {
    validateUpdate: (fs) => validateConditionsStatus(fs.status?.conditions, FieldPath.root('status')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'PriorityLevel', type: 'string', description: 'The priority level matching requests go to.' },
      { name: 'MatchingPrecedence', type: 'string', description: 'The order in which schemas are tried (lowest first).' },
      { name: 'DistinguisherMethod', type: 'string', description: 'How matching requests are split into flows.' },
      ageColumn,
      { name: 'MissingPL', type: 'string', description: 'Whether the priority level it names is missing.' },
    ],
    row(fs, now) {
      const dangling = (fs.status?.conditions ?? []).find((c) => c.type === 'Dangling');
      return [
        fs.metadata?.name ?? '', fs.spec?.priorityLevelConfiguration?.name ?? '', fs.spec?.matchingPrecedence ?? 0,
        fs.spec?.distinguisherMethod?.type ?? '<none>', age(fs, now), dangling ? dangling.status ?? '' : '?',
      ];
    },
  },
});
