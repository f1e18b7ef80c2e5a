// Label selectors, as upstream's apimachinery/pkg/labels: the query-string syntax
// (`app=web,tier!=db,env in (a,b),!canary,x>3`), its lexer and parser with upstream's error texts,
// requirements and matching, and metav1.LabelSelector conversion and validation.
import { badRequest } from './errors.ts';
import { aggregateFieldErrors, FieldPath, forbidden, invalid, notSupported, required, type FieldError } from './fieldpath.ts';
import { compareGoStrings, goQuote, parseGoInt64 } from './goformat.ts';
import { isQualifiedName, isValidLabelValue, validateLabelName, validateLabels } from './validation.ts';

/** upstream's selection.Operator values. */
export type Operator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  /** As given: the parser passes them sorted and de-duplicated. */
  values: string[];
}

export interface Selector {
  matches(labels: Record<string, string> | undefined | null): boolean;
  /** True when the selector has no requirements (and so selects everything). */
  empty(): boolean;
  toString(): string;
  readonly requirements: Requirement[];
  /** The value a label must have for the selector to match, if one is pinned by `=`, `==` or a one-value `in`. */
  requiresExactMatch(label: string): string | undefined;
}

export interface LabelSelectorRequirement { key: string; operator: string; values?: string[] | null }
export interface LabelSelector { matchLabels?: Record<string, string> | null; matchExpressions?: LabelSelectorRequirement[] | null }

// ---- requirements ----

const binaryOperators: Operator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const validOperators: Operator[] = [...binaryOperators, 'exists', '!'];

function lookup(labels: Record<string, string> | undefined | null, key: string): string | undefined {
  return labels && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

function requirementMatches(r: Requirement, labels: Record<string, string> | undefined | null): boolean {
  const val = lookup(labels, r.key);
  switch (r.operator) {
    case 'in': case '=': case '==':
      return val !== undefined && r.values.includes(val);
    case 'notin': case '!=':
      return val === undefined || !r.values.includes(val);
    case 'exists':
      return val !== undefined;
    case '!':
      return val === undefined;
    case 'gt': case 'lt': {
      if (val === undefined || r.values.length !== 1) return false;
      const have = parseGoInt64(val);
      const want = parseGoInt64(r.values[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

const sortedCopy = (values: readonly string[]): string[] => [...values].sort(compareGoStrings);

/** Requirement.String(): `k=v`, `k in (a,b)`, `!k`, `k>3`; several values print sorted. */
export function requirementString(r: Requirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key;
  switch (r.operator) {
    case 'exists': case '!': return s;
    case '=': s += '='; break;
    case '==': s += '=='; break;
    case '!=': s += '!='; break;
    case 'in': s += ' in '; break;
    case 'notin': s += ' notin '; break;
    case 'gt': s += '>'; break;
    case 'lt': s += '<'; break;
  }
  const vals = r.values.length === 1 ? r.values[0]! : sortedCopy(r.values).join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

function keyError(key: string, path: string): FieldError | undefined {
  const errs = isQualifiedName(key);
  return errs.length > 0 ? invalid(path, key, errs.join('; ')) : undefined;
}

/**
 * labels.NewRequirement: checks the key, the value count the operator needs, integer values for
 * gt/lt and each value's syntax. `path` prefixes the error fields (unset, as the parser leaves it,
 * they read `key`, `values`, `values[0][key]`). Returns the requirement or the field errors.
 */
export function newRequirement(key: string, operator: string, values: readonly string[], path?: FieldPath): { requirement: Requirement; errors: FieldError[] } {
  const errs: FieldError[] = [];
  const base = (name: string): FieldPath => (path ? path.child(name) : FieldPath.root(name));
  const ke = keyError(key, base('key').toString());
  if (ke) errs.push(ke);
  const valuePath = base('values');
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(invalid(valuePath, [...values], "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(invalid(valuePath, [...values], 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(invalid(valuePath, [...values], 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(invalid(valuePath, [...values], "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseGoInt64(v) === undefined) errs.push(invalid(valuePath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(notSupported(base('operator'), operator, validOperators));
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length > 0) errs.push(invalid(valuePath.index(i).key(key), v, ve.join('; ')));
  });
  return { requirement: { key, operator: operator as Operator, values: [...values] }, errors: errs };
}

// ---- selectors ----

class InternalSelector implements Selector {
  readonly requirements: Requirement[];

  constructor(requirements: Requirement[]) {
    // Sorted by key, stably, so parsing is deterministic (upstream's ByKey sort).
    this.requirements = [...requirements].sort((a, b) => compareGoStrings(a.key, b.key));
  }

  matches(labels: Record<string, string> | undefined | null): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }

  requiresExactMatch(label: string): string | undefined {
    const r = this.requirements.find((x) => x.key === label);
    if (!r) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
}

class NothingSelector implements Selector {
  readonly requirements: Requirement[] = [];
  matches(): boolean { return false; }
  empty(): boolean { return false; }
  toString(): string { return ''; }
  requiresExactMatch(): string | undefined { return undefined; }
}

const everythingSelector: Selector = new InternalSelector([]);
const nothingSelector: Selector = new NothingSelector();

/** Selects every object. */
export function everything(): Selector {
  return everythingSelector;
}

/** Selects no object (what a nil metav1.LabelSelector converts to). */
export function nothing(): Selector {
  return nothingSelector;
}

export function matchesNothing(s: Selector): boolean {
  return s === nothingSelector;
}

/** A selector of requirements; they are sorted by key. */
export function selectorFromRequirements(reqs: readonly Requirement[]): Selector {
  return new InternalSelector([...reqs]);
}

/** A selector matching every label in the set exactly (labels.SelectorFromSet); no validation. */
export function selectorFromSet(set: Record<string, string> | undefined | null): Selector {
  return new InternalSelector(Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=' as const, values: [v] })));
}

// ---- lexer ----

enum Tok {
  Error, EndOfString, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan,
  Identifier, In, LessThan, NotEquals, NotIn, OpenPar,
}

const stringToToken: Record<string, Tok> = {
  ')': Tok.ClosedPar, ',': Tok.Comma, '!': Tok.DoesNotExist, '==': Tok.DoubleEquals, '=': Tok.Equals,
  '>': Tok.GreaterThan, in: Tok.In, '<': Tok.LessThan, '!=': Tok.NotEquals, notin: Tok.NotIn, '(': Tok.OpenPar,
};
const tokenOf = (s: string): Tok | undefined => (Object.hasOwn(stringToToken, s) ? stringToToken[s] : undefined);

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch) && ch !== '';

interface Item { tok: Tok; lit: string }

/** Splits a selector into tokens; '\0' ends the input, as upstream's byte reader does. */
function lex(s: string): Item[] {
  let pos = 0;
  const read = (): string => (pos < s.length ? s[pos++]! : '\0');
  const unread = (): void => { pos--; };
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    let item: Item;
    if (ch === '\0') {
      item = { tok: Tok.EndOfString, lit: '' };
    } else if (isSpecialSymbol(ch)) {
      unread();
      // The longest run of special symbols that still forms a token.
      let buffer = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!isSpecialSymbol(c)) { unread(); break; }
        buffer += c;
        const t = tokenOf(buffer);
        if (t !== undefined) last = { tok: t, lit: buffer };
        else if (last) { unread(); break; }
      }
      item = last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` };
    } else {
      unread();
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) { unread(); break; }
        buffer += c;
      }
      item = { tok: tokenOf(buffer) ?? Tok.Identifier, lit: buffer };
    }
    items.push(item);
    if (item.tok === Tok.EndOfString) return items;
  }
}

// ---- parser ----

class ParseError extends Error {}

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  /** In value position the keywords `in` and `notin` are plain identifiers. */
  private asValue(item: Item): Item {
    return item.tok === Tok.In || item.tok === Tok.NotIn ? { tok: Tok.Identifier, lit: item.lit } : item;
  }

  lookahead(values: boolean): Item {
    const item = this.items[this.position]!;
    return values ? this.asValue(item) : item;
  }

  consume(values: boolean): Item {
    const item = this.items[this.position++]!;
    return values ? this.asValue(item) : item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case Tok.Identifier: case Tok.DoesNotExist: {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            throw new ParseError(`unable to parse requirement: ${(e as Error).message}`);
          }
          reqs.push(r);
          const next = this.consume(true);
          if (next.tok === Tok.EndOfString) return reqs;
          if (next.tok === Tok.Comma) {
            const after = this.lookahead(true);
            if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
              throw new ParseError(`found '${after.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new ParseError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case Tok.EndOfString:
          return reqs;
        default:
          throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const [key, inferred] = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return checked(newRequirement(key, inferred, []));
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return checked(newRequirement(key, op, [...values].sort(compareGoStrings)));
  }

  private parseKeyAndInferOperator(): [string, Operator | ''] {
    let op: Operator | '' = '';
    let item = this.consume(true);
    if (item.tok === Tok.DoesNotExist) {
      op = '!';
      item = this.consume(true);
    }
    if (item.tok !== Tok.Identifier) throw new ParseError(`found '${item.lit}', expected: identifier`);
    // Without a path upstream's error field renders as "<nil>".
    const ke = keyError(item.lit, '<nil>');
    if (ke) throw new ParseError(aggregateFieldErrors([ke]));
    const next = this.lookahead(true).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && op !== '!') op = 'exists';
    return [item.lit, op];
  }

  private parseOperator(): Operator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In: return 'in';
      case Tok.Equals: return '=';
      case Tok.DoubleEquals: return '==';
      case Tok.GreaterThan: return 'gt';
      case Tok.LessThan: return 'lt';
      case Tok.NotIn: return 'notin';
      case Tok.NotEquals: return '!=';
      default: throw new ParseError(`found '${lit}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== Tok.OpenPar) throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case Tok.Identifier: case Tok.Comma: {
        const s = this.parseIdentifiersList();
        if (this.consume(true).tok !== Tok.ClosedPar) throw new ParseError(`found '${lit}', expected: ')'`);
        return s;
      }
      case Tok.ClosedPar:
        this.consume(true);
        return new Set(['']);
      default:
        throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      switch (tok) {
        case Tok.Identifier: {
          s.add(lit);
          const next = this.lookahead(true);
          if (next.tok === Tok.Comma) continue;
          if (next.tok === Tok.ClosedPar) return s;
          throw new ParseError(`found '${next.lit}', expected: ',' or ')'`);
        }
        case Tok.Comma: {
          // An empty slot (leading, doubled or trailing comma) is the empty value.
          if (s.size === 0) s.add('');
          const next = this.lookahead(true).tok;
          if (next === Tok.ClosedPar) { s.add(''); return s; }
          if (next === Tok.Comma) s.add('');
          break;
        }
        default:
          throw new ParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const ahead = this.lookahead(true).tok;
    if (ahead === Tok.EndOfString || ahead === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume(true);
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

function checked(r: { requirement: Requirement; errors: FieldError[] }): Requirement {
  if (r.errors.length > 0) throw new ParseError(aggregateFieldErrors(r.errors));
  return r.requirement;
}

/**
 * labels.Parse. Throws a 400 BadRequest carrying upstream's parse error, which the apiserver
 * returns as is for a bad `labelSelector` query parameter.
 */
export function parseSelector(s: string): Selector {
  try {
    return new InternalSelector(new Parser(lex(s)).parse());
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(e.message);
    throw e;
  }
}

// ---- metav1.LabelSelector ----

const selectorOperators: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector selects
 * everything; matchLabels become `=` requirements and expressions their operators. Throws a 400
 * BadRequest with upstream's text when a requirement is invalid.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (!ls) return nothing();
  const labels = Object.entries(ls.matchLabels ?? {});
  const exprs = ls.matchExpressions ?? [];
  if (labels.length + exprs.length === 0) return everything();
  const reqs: Requirement[] = [];
  const fail = (errors: FieldError[]): never => { throw badRequest(aggregateFieldErrors(errors)); };
  for (const [k, v] of labels) {
    const r = newRequirement(k, '=', [v]);
    if (r.errors.length > 0) fail(r.errors);
    reqs.push(r.requirement);
  }
  for (const e of exprs) {
    const op = Object.hasOwn(selectorOperators, e.operator) ? selectorOperators[e.operator] : undefined;
    if (op === undefined) throw badRequest(`${goQuote(e.operator)} is not a valid label selector operator`);
    const r = newRequirement(e.key, op, e.values ?? []);
    if (r.errors.length > 0) fail(r.errors);
    reqs.push(r.requirement);
  }
  return new InternalSelector(reqs);
}

export interface LabelSelectorValidationOptions {
  /** Skip value syntax checks (upstream allows this on update when the old object had bad values). */
  allowInvalidLabelValueInSelector?: boolean;
  allowUnknownOperatorInRequirement?: boolean;
}

/** metav1 validation.ValidateLabelSelectorRequirement: the operator's value rules, the key, each value. */
export function validateLabelSelectorRequirement(r: LabelSelectorRequirement, path: FieldPath, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      if (!opts.allowUnknownOperatorInRequirement) errs.push(invalid(path.child('operator'), r.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(r.key ?? '', path.child('key')));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(path.child('values').index(i), v, m));
    });
  }
  return errs;
}

/** metav1 validation.ValidateLabelSelector: matchLabels as labels, each expression by its operator. */
export function validateLabelSelector(ls: LabelSelector | undefined | null, path: FieldPath, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  if (!ls) return [];
  const errs = validateLabels(ls.matchLabels, path.child('matchLabels'));
  (ls.matchExpressions ?? []).forEach((e, i) => {
    errs.push(...validateLabelSelectorRequirement(e, path.child('matchExpressions').index(i), opts));
  });
  return errs;
}
