// What a CustomResourceDefinition serves: one ResourceDef per served version, all over the
// storage version's objects, validated, pruned and defaulted by the version's structural
// schema, with its printer columns and status/scale subresources.
import { FieldPath } from '../../machinery/fieldpath.ts';
import * as field from '../../machinery/fieldpath.ts';
import { defineResource, type AnyResource, type ColumnDef, type KubeObject } from '../apis/types.ts';
import type { CRDVersion, CustomResourceDefinition } from '../apis/apiextensions/v1/customresourcedefinitions.ts';
import { applyDefaults, pruneUnknown, validateCustomResource, type JSONSchemaProps } from './schema.ts';
import { humanDuration } from '../endpoints/table.ts';

/** A small JSONPath as printer columns use it: `.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`. */
export function evalJSONPath(obj: unknown, path: string): unknown {
  const expr = path.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '');
  const tokens = expr.match(/\.[^.[]+|\[\?\(@\.[^)]+\)\]|\[\d+\]/g) ?? [];
  let cur: unknown[] = [obj];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const c of cur) {
      if (c === null || typeof c !== 'object') continue;
      if (t.startsWith('.')) {
        const v = (c as Record<string, unknown>)[t.slice(1)];
        if (v !== undefined) next.push(v);
      } else if (/^\[\d+\]$/.test(t)) {
        const v = Array.isArray(c) ? c[Number(t.slice(1, -1))] : undefined;
        if (v !== undefined) next.push(v);
      } else {
        const m = /^\[\?\(@\.([\w.-]+)\s*==\s*["']?([^"')]*)["']?\)\]$/.exec(t);
        if (m && Array.isArray(c)) for (const e of c) if (e && String((e as Record<string, unknown>)[m[1]!]) === m[2]) next.push(e);
      }
    }
    cur = next;
  }
  return cur.length === 0 ? undefined : cur.length === 1 ? cur[0] : cur;
}

/**
 * A printer column's cell as upstream's CRD table convertor makes it (cellForJSONValue): a value
 * of another JSON type than the column's is empty, integers are truncated, and a date becomes its
 * age (`<invalid>` when it does not parse).
 */
function cell(value: unknown, type: string, now: Date): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'integer': return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number': return typeof value === 'number' ? value : null;
    case 'boolean': return typeof value === 'boolean' ? value : null;
    case 'date': return typeof value === 'string' ? dateCell(value, now) : null;
    default:
      if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** metav1.Time's query-parameter parse (RFC 3339), then ConvertToHumanReadableDateType. */
function dateCell(text: string, now: Date): string {
  if (text === '') return '<unknown>';
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(t) ? '<invalid>' : humanDuration(now.getTime() - t);
}

export function customResourceDefs(crd: CustomResourceDefinition): AnyResource[] {
  const storage = crd.spec.versions.find((v) => v.storage)!;
  return crd.spec.versions.filter((v) => v.served).map((v) => versionDef(crd, v, storage.name));
}

function versionDef(crd: CustomResourceDefinition, v: CRDVersion, storageVersion: string): AnyResource {
  const { group, names, scope } = crd.spec;
  const schema: JSONSchemaProps = v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const apiVersion = `${group}/${v.name}`;
  const storageApiVersion = `${group}/${storageVersion}`;
  const printer = v.additionalPrinterColumns ?? [];
  const columns: ColumnDef[] = [{ name: 'Name', type: 'string', format: 'name', description: 'The name of the object.' }];
  for (const c of printer) {
    columns.push({ name: c.name, type: c.type as ColumnDef['type'], format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 });
  }
  if (printer.length === 0) columns.push({ name: 'Age', type: 'date', description: 'When the object was created.' });
  const status = v.subresources?.status;
  const scale = v.subresources?.scale;
  const rootSchema = schema;
  return defineResource<KubeObject>({
    group, version: v.name, kind: names.kind, plural: names.plural, singular: names.singular ?? names.kind.toLowerCase(),
    listKind: names.listKind, namespaced: scope === 'Namespaced', shortNames: names.shortNames, categories: names.categories,
    hasGeneration: true,
    customResource: { schema: rootSchema, crdName: crd.metadata?.name ?? '' },
    ...(status ? { status: {} } : {}),
    ...(scale ? { scale: { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, labelSelectorPath: scale.labelSelectorPath } } : {}),
    // Every served version reads and writes the storage version's objects (conversion "None").
    storageVersion: {
      group, plural: names.plural,
      toStorage: (o) => ({ ...o, apiVersion: storageApiVersion }),
      fromStorage: (o) => (o.apiVersion === apiVersion ? o : { ...o, apiVersion }),
    },
    strategy: {
      defaults(obj) {
        applyDefaults(obj, rootSchema);
      },
      validate(obj) {
        const errs = validateCustomResource(obj, rootSchema);
        if (obj.metadata?.name && obj.metadata.name.length > 253) errs.push(field.tooLong(FieldPath.root('metadata', 'name'), obj.metadata.name, 253));
        return errs;
      },
    },
    table: {
      columns,
      row: (obj, now) => [
        obj.metadata?.name ?? '',
        ...(printer.length
          ? printer.map((c) => cell(evalJSONPath(obj, c.jsonPath), c.type, now))
          : [cell(obj.metadata?.creationTimestamp, 'date', now)]),
      ],
    },
  });
}

/** Unknown fields of a custom resource body, removed in place (for fieldValidation). */
export function pruneCustomResource(obj: Record<string, unknown>, schema: JSONSchemaProps): string[] {
  return pruneUnknown(obj, schema);
}
