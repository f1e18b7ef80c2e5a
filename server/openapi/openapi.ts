// OpenAPI v2 and v3, derived from the resource list and the built-in types' structure
// (server/schema/models.ts). kubectl reads them for `explain`, for client-side validation and to
// learn that the server does field validation (the `fieldValidation` parameter on writes).
import { crdSchemaForOpenAPIV2 } from './crdv2.ts';
import { createHash } from 'node:crypto';
import { groupVersion, type AnyResource } from '../apis/types.ts';
import type { ResourceCatalog } from '../discovery/discovery.ts';
import { modelFields, type TypeRef } from '../schema/models.ts';
import { KUBERNETES_VERSION_STRING } from '../../machinery/version.ts';

type Schema = Record<string, unknown>;

const META_TYPES = new Set(['ObjectMeta', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'OwnerReference', 'ManagedFieldsEntry',
  'Condition', 'DeleteOptions', 'Preconditions', 'Status', 'StatusDetails', 'StatusCause', 'Time', 'MicroTime', 'APIResource', 'APIResourceList',
  'APIGroup', 'APIGroupList', 'APIVersions', 'GroupVersionForDiscovery', 'ServerAddressByClientCIDR', 'WatchEvent', 'Patch', 'FieldsV1']);

/** The upstream-style definition name for a client-node model reached from a resource of `gv`. */
function definitionName(model: string, pkg: string): string {
  const m = /^(?:[A-Z][a-z]+)*?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/.exec(model);
  const short = m ? m[2]! : model;
  if (META_TYPES.has(short)) return `io.k8s.apimachinery.pkg.apis.meta.v1.${short}`;
  return `${pkg}.${short}`;
}

function packageOf(r: AnyResource): string {
  const g = r.group === '' ? 'core' : r.group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '').split('.')[0]!;
  return r.group.endsWith('.k8s.io') || r.group === '' || !r.group.includes('.') ? `io.k8s.api.${g}.${r.version}` : `${r.group.split('.').reverse().join('.')}.${r.version}`;
}

class SchemaBuilder {
  readonly defs: Record<string, Schema> = {};
  constructor(private readonly refPrefix: string) {}

  ref(model: string, pkg: string): Schema {
    const name = definitionName(model, pkg);
    if (!(name in this.defs)) {
      this.defs[name] = {};
      this.defs[name] = this.model(model, pkg);
    }
    return { $ref: `${this.refPrefix}${name}` };
  }

  private model(model: string, pkg: string): Schema {
    const fields = modelFields(model);
    if (!fields) return { type: 'object' };
    const properties: Record<string, Schema> = {};
    for (const f of fields.values()) properties[f.name] = this.type(f.type, pkg);
    return { type: 'object', properties };
  }

  type(t: TypeRef, pkg: string): Schema {
    switch (t.kind) {
      case 'primitive': return t.format ? { type: t.type, format: t.format } : { type: t.type };
      case 'intOrString': return { 'x-kubernetes-int-or-string': true, format: 'int-or-string' };
      case 'any': return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      case 'array': return { type: 'array', items: this.type(t.elem, pkg) };
      case 'map': return { type: 'object', additionalProperties: this.type(t.elem, pkg) };
      case 'model': return this.ref(t.name, pkg);
    }
  }

  resource(r: AnyResource): string {
    const pkg = packageOf(r);
    if (r.customResource) {
      const name = `${r.group.split('.').reverse().join('.')}.${r.version}.${r.kind}`;
      // OpenAPI v2 cannot say all that a structural schema says: upstream converts it first (ToStructuralOpenAPIV2).
      const schema = (this.refPrefix === '#/definitions/' ? crdSchemaForOpenAPIV2(r.customResource.schema) : structuredClone(r.customResource.schema)) as Schema;
      const props = ((schema.properties ??= {}) as Record<string, Schema>);
      props.apiVersion ??= { type: 'string' };
      props.kind ??= { type: 'string' };
      props.metadata = this.ref('V1ObjectMeta', pkg);
      this.defs[name] = { ...schema, 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }] };
      return name;
    }
    const model = r.model ?? `V1${r.kind}`;
    const ref = this.ref(model, pkg).$ref as string;
    const name = ref.slice(this.refPrefix.length);
    this.defs[name] = { ...this.defs[name], 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }] };
    const listName = `${pkg}.${r.listKind ?? `${r.kind}List`}`;
    this.defs[listName] = {
      type: 'object', required: ['items'],
      properties: {
        apiVersion: { type: 'string' }, kind: { type: 'string' },
        items: { type: 'array', items: { $ref: ref } },
        metadata: this.ref('V1ListMeta', pkg),
      },
      'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.listKind ?? `${r.kind}List`, version: r.version }],
    };
    return name;
  }
}

const writeParams = (v3: boolean) => ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => ({
  name, in: 'query', uniqueItems: true, ...(v3 ? { schema: { type: 'string' } } : { type: 'string' }),
}));

function pathsFor(r: AnyResource, defName: string, refPrefix: string, v3: boolean): Record<string, Schema> {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const body = v3
    ? { requestBody: { content: { '*/*': { schema: { $ref: `${refPrefix}${defName}` } } }, required: true } }
    : {};
  const op = (action: string, verbParams: Schema[], withBody: boolean) => ({
    operationId: `${action}${r.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    parameters: v3 || !withBody ? verbParams : [...verbParams, { name: 'body', in: 'body', required: true, schema: { $ref: `${refPrefix}${defName}` } }],
    ...(withBody ? body : {}),
    responses: { 200: { description: 'OK' } },
  });
  const nameParam = { name: 'name', in: 'path', required: true, ...(v3 ? { schema: { type: 'string' } } : { type: 'string' }) };
  const nsParam = { name: 'namespace', in: 'path', required: true, ...(v3 ? { schema: { type: 'string' } } : { type: 'string' }) };
  const common = r.namespaced ? [nsParam] : [];
  // Only the verbs the resource serves (bindings: create alone), as upstream's spec lists them.
  const serves = (v: string) => !r.verbs || (r.verbs as string[]).includes(v);
  const paths: Record<string, Schema> = {};
  const coll: Schema = { parameters: common };
  if (serves('list')) coll.get = op('list', [], false);
  if (serves('create')) coll.post = op('post', writeParams(v3), true);
  if (coll.get || coll.post) paths[collection] = coll;
  const item: Schema = { parameters: [...common, nameParam] };
  if (serves('get')) item.get = op('get', [], false);
  if (serves('update')) item.put = op('put', writeParams(v3), true);
  if (serves('patch')) item.patch = op('patch', [...writeParams(v3), { name: 'force', in: 'query', ...(v3 ? { schema: { type: 'boolean' } } : { type: 'boolean' }) }], true);
  if (serves('delete')) item.delete = op('delete', [], false);
  if (item.get || item.put || item.patch || item.delete) paths[`${collection}/{name}`] = item;
  return paths;
}

export function openapiV2(catalog: ResourceCatalog): Schema {
  const b = new SchemaBuilder('#/definitions/');
  const paths: Record<string, Schema> = {};
  for (const r of catalog.all()) Object.assign(paths, pathsFor(r, b.resource(r), '#/definitions/', false));
  return { swagger: '2.0', info: { title: 'Kubernetes', version: KUBERNETES_VERSION_STRING }, paths, definitions: b.defs };
}

function groupPath(r: AnyResource): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

export function openapiV3Group(catalog: ResourceCatalog, path: string): Schema | undefined {
  const rs = catalog.all().filter((r) => groupPath(r) === path.replace(/\/$/, ''));
  if (rs.length === 0) return undefined;
  const b = new SchemaBuilder('#/components/schemas/');
  const paths: Record<string, Schema> = {};
  for (const r of rs) Object.assign(paths, pathsFor(r, b.resource(r), '#/components/schemas/', true));
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: KUBERNETES_VERSION_STRING }, paths, components: { schemas: b.defs } };
}

export function openapiV3Root(catalog: ResourceCatalog): Schema {
  const paths: Record<string, Schema> = {};
  const byPath = new Map<string, AnyResource[]>();
  for (const r of catalog.all()) {
    const p = groupPath(r);
    byPath.set(p, [...(byPath.get(p) ?? []), r]);
  }
  for (const [p, rs] of byPath) {
    const hash = createHash('sha512').update(rs.map((r) => `${groupVersion(r)}/${r.plural}`).join(',')).digest('hex').slice(0, 128).toUpperCase();
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}
