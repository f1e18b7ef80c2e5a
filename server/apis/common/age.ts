// Cells shared by many Table definitions.
import { humanDuration } from '../../endpoints/table.ts';
import type { ColumnDef, KubeObject } from '../types.ts';

export const nameColumn: ColumnDef = { name: 'Name', type: 'string', format: 'name', description: 'The name of the object, unique within its namespace.' };
export const ageColumn: ColumnDef = { name: 'Age', type: 'string', description: 'Time since the object was created.' };

export function age(obj: KubeObject, now: Date): string {
  const ts = obj.metadata?.creationTimestamp;
  if (!ts) return '<unknown>';
  return humanDuration(now.getTime() - Date.parse(ts));
}

/** Upstream's translateTimestampSince for any timestamp field. */
export function since(ts: string | undefined, now: Date): string {
  if (!ts) return '<unknown>';
  return humanDuration(now.getTime() - Date.parse(ts));
}
