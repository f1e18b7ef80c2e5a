// Checks the storage.k8s.io types share, as upstream's pkg/apis/storage/validation and the core
// helpers it borrows (CSI driver names, node names, topology selector terms).
import type { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { isDNS1123Subdomain, validateLabelName } from '../../../../machinery/validation.ts';
import type { FieldError } from '../../types.ts';
import { semanticEqual } from '../../common/shapes.ts';

/** Upstream's core ValidateCSIDriverName: required, at most 63 characters, a subdomain once lower-cased. */
export function validateCSIDriverName(name: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(field.required(path));
  if (byteLength(name) > 63) errs.push(field.tooLong(path, name, 63));
  for (const m of isDNS1123Subdomain(name.toLowerCase())) errs.push(field.invalid(path, name, m));
  return errs;
}

export interface TopologySelectorTerm { matchLabelExpressions?: Array<{ key?: string; values?: string[] }> }

/** Upstream's ValidateTopologySelectorTerm for each allowed topology, and no two equal terms. */
export function validateAllowedTopologies(terms: TopologySelectorTerm[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen: Array<Record<string, string[]>> = [];
  (terms ?? []).forEach((term, i) => {
    const exprPath = path.index(i).child('matchLabelExpressions');
    const exprMap: Record<string, string[]> = {};
    (term.matchLabelExpressions ?? []).forEach((req, j) => {
      const p = exprPath.index(j);
      const values = req.values ?? [];
      if (values.length === 0) errs.push(field.required(p.child('values')));
      const set = new Set<string>();
      values.forEach((v, k) => {
        if (set.has(v)) errs.push(field.duplicate(p.child('values').index(k), v));
        set.add(v);
      });
      errs.push(...validateLabelName(req.key ?? '', p.child('key')));
      if (Object.hasOwn(exprMap, req.key ?? '')) errs.push(field.duplicate(p.child('key'), req.key ?? ''));
      exprMap[req.key ?? ''] = [...set].sort();
    });
    if (seen.some((t) => semanticEqual(t, exprMap))) errs.push(field.duplicate(exprPath, ''));
    seen.push(exprMap);
  });
  return errs;
}
