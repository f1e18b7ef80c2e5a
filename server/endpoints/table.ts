// Server-side printing: meta.k8s.io Table and PartialObjectMetadata, as `kubectl get` asks for.
// A resource's own columns come from its module; the rest get upstream's default table
// (Name, Created At).
import type { AnyResource, ColumnDef, KubeObject } from '../apis/types.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const defaultColumns: ColumnDef[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'The name of the object, unique within its namespace.' },
  { name: 'Created At', type: 'date', description: 'When the server created the object (RFC3339, UTC).' },
];

export function toPartialObjectMetadata(obj: KubeObject, version = 'v1'): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata ?? {} };
}

export function tableColumns(def: AnyResource): ColumnDef[] {
  return (def.table?.columns ?? defaultColumns).map((c) => ({ description: '', format: '', priority: 0, ...c }));
}

export function tableRow(def: AnyResource, obj: KubeObject, include: IncludeObject, now: Date, version = 'v1'): Record<string, unknown> {
  const cells = def.table ? def.table.row(obj, now) : [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? ''];
  const row: Record<string, unknown> = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = toPartialObjectMetadata(obj, version);
  return row;
}

export function toTable(
  def: AnyResource,
  objs: KubeObject[],
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number },
  include: IncludeObject,
  now: Date,
  version = 'v1',
  withColumns = true,
): KubeObject {
  const metadata: Record<string, unknown> = { resourceVersion: listMeta.resourceVersion };
  if (listMeta.continue) metadata.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = listMeta.remainingItemCount;
  const table: KubeObject = { kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata };
  table.columnDefinitions = withColumns ? tableColumns(def) : null;
  // The default convertor leaves rows null for an empty list, as upstream.
  table.rows = objs.length === 0 && !def.table ? null : objs.map((o) => tableRow(def, o, include, now, version));
  return table;
}

/** "5m", "3h", "2d" — kubectl's HumanDuration, for age columns computed on the server. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) { const s = seconds % 60; return s === 0 ? `${minutes}m` : `${minutes}m${s}s`; }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) { const m = minutes % 60; return m === 0 ? `${hours}h` : `${hours}h${m}m`; }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) { const h = hours % 24; const d = Math.floor(hours / 24); return h === 0 ? `${d}d` : `${d}d${h}h`; }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) { const d = Math.floor(hours / 24) % 365; const y = Math.floor(hours / 24 / 365); return d === 0 ? `${y}y` : `${y}y${d}d`; }
  return `${Math.floor(hours / 24 / 365)}y`;
}
