// Field selectors, as upstream's apimachinery/pkg/fields: `metadata.name=web,status.phase!=Failed`,
// with `\` escaping `\`, `,` and `=` in values, and the apiserver's check of which fields a
// resource supports.
import { badRequest, type GroupResource } from './errors.ts';
import { compareGoStrings, goQuote } from './goformat.ts';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  field: string;
  /** `=` and `==` both parse to `=` (upstream's selection.Equals). */
  op: FieldOperator;
  value: string;
}

export interface FieldSelector {
  /** A field absent from `fields` counts as the empty string, as upstream's fields.Set.Get. */
  matches(fields: Record<string, string>): boolean;
  readonly requirements: FieldRequirement[];
  empty(): boolean;
  toString(): string;
  /** The value the field must equal for the selector to match, if an `=` term pins it. */
  requiresExactMatch(field: string): string | undefined;
}

/** Escapes `\`, `,` and `=` in a value (fields.EscapeValue). */
export function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c);
}

class FieldSelectorError extends Error {}

/** fields.UnescapeValue, with upstream's error texts (an unescaped rune prints as its code point). */
export function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

class AndSelector implements FieldSelector {
  constructor(readonly requirements: FieldRequirement[]) {}

  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const v = Object.hasOwn(fields, r.field) ? fields[r.field] : '';
      return r.op === '=' ? v === r.value : v !== r.value;
    });
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.op}${escapeValue(r.value)}`).join(',');
  }

  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.op === '=')?.value;
  }
}

class NothingSelector implements FieldSelector {
  readonly requirements: FieldRequirement[] = [];
  matches(): boolean { return false; }
  empty(): boolean { return false; }
  toString(): string { return ''; }
  requiresExactMatch(): string | undefined { return undefined; }
}

const nothingSelector = new NothingSelector();

export function everythingFields(): FieldSelector {
  return new AndSelector([]);
}

export function nothingFields(): FieldSelector {
  return nothingSelector;
}

/** A selector requiring each field to equal its value (fields.SelectorFromSet). */
export function fieldSelectorFromSet(set: Record<string, string>): FieldSelector {
  return new AndSelector(Object.entries(set).map(([field, value]) => ({ field, op: '=' as const, value })));
}

/** Splits at commas not escaped by a backslash. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') { terms.push(s.slice(start, i)); start = i + 1; }
  }
  terms.push(s.slice(start));
  return terms;
}

/** The first operator found scanning left to right; at one position `!=` and `==` win over `=`. */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/**
 * fields.ParseSelector. Terms are sorted (as raw text) before parsing, as upstream does; empty
 * terms are skipped. Throws a 400 BadRequest with upstream's text for a malformed selector.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort(compareGoStrings);
  const reqs: FieldRequirement[] = [];
  try {
    for (const part of parts) {
      if (part === '') continue;
      const split = splitTerm(part);
      if (!split) throw new FieldSelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
      const [field, op, rhs] = split;
      reqs.push({ field, op: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
    }
  } catch (e) {
    if (e instanceof FieldSelectorError) throw badRequest(e.message);
    throw e;
  }
  return new AndSelector(reqs);
}

export interface CheckFieldSelectorOptions {
  /**
   * Which of upstream's two texts an unsupported field gets. `notSupported` (the default) is
   * `field label not supported: <field>`, from resources that register field label conversions
   * (core pods, nodes, events, namespaces, secrets, services, replicationcontrollers) and from
   * every custom resource. `notKnown` is `"<field>" is not a known field selector: only
   * "metadata.name", "metadata.namespace"`, from built-in resources that register none
   * (runtime.DefaultMetaV1FieldSelectorConversion), e.g. configmaps or deployments.
   */
  unsupportedMessage?: 'notSupported' | 'notKnown';
}

/**
 * The apiserver's field label conversion: every field the selector names must be one the resource
 * supports, else 400 BadRequest. Fields are checked in the selector's (sorted) order, so the
 * first unsupported one is reported. `gr` names the resource; upstream's text does not mention it.
 */
export function checkFieldSelector(sel: FieldSelector, allowedFields: readonly string[], _gr: GroupResource, opts: CheckFieldSelectorOptions = {}): void {
  const allowed = new Set(allowedFields);
  for (const r of sel.requirements) {
    if (allowed.has(r.field)) continue;
    if (opts.unsupportedMessage === 'notKnown') {
      throw badRequest(`${goQuote(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
    throw badRequest(`field label not supported: ${r.field}`);
  }
}
