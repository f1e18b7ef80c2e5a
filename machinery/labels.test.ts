import { describe, expect, it } from 'vitest';
import { isStatusError } from './errors.ts';
import { fieldErrorMessage, FieldPath } from './fieldpath.ts';
import {
  everything, matchesNothing, newRequirement, nothing, parseSelector, requirementString, selectorFromLabelSelector,
  selectorFromSet, validateLabelSelector, type LabelSelector,
} from './labels.ts';

const labelKeyNameMsg = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const operators = 'in, notin, =, ==, !=, gt, lt';

describe('labels.Parse: valid selectors and their canonical string', () => {
  it.each<[string, string]>([
    ['', ''],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x=,z= ', 'x=,z='],
    ['x= ,z= ', 'x=,z='],
    ['!x', '!x'],
    ['x>1', 'x>1'],
    ['x>1,z<5', 'x>1,z<5'],
    ['x==a', 'x==a'],
    ['\rx', 'x'],
    ['  app = web  ', 'app=web'],
    ['this-is-a-dns.domain.com/key-with-dash', 'this-is-a-dns.domain.com/key-with-dash'],
    ['this-is-another-dns.domain.com/key-with-dash in (so,what)', 'this-is-another-dns.domain.com/key-with-dash in (so,what)'],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', '0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)'],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['x  notin\t\t(abc,def)', 'x notin (abc,def)'],
    ['x in (abc,def)', 'x in (abc,def)'],
    ['x in (abc,)', 'x in (,abc)'],
    ['x in (abc,abc)', 'x in (abc)'],
    ['x in (b,a,b)', 'x in (a,b)'],
    ['x in ()', 'x in ()'],
    ['x in (a,,)', 'x in (,a)'],
    ['x in (a,,,)', 'x in (,a)'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,,a,,a,,a,,)', 'x in (,a)'],
    ['x notin (abc,,def),bar,z in (),w', 'bar,w,x notin (,abc,def),z in ()'],
    ['x,y in (a)', 'x,y in (a)'],
    ['z=1,a=2', 'a=2,z=1'],
    ['x=1,x=2', 'x=1,x=2'],
    ['in=foo', 'in=foo'],
    ['notin=in', 'notin=in'],
    ['x in (in,notin)', 'x in (in,notin)'],
    ['environment in (production, qa),tier notin (frontend, backend)', 'environment in (production,qa),tier notin (backend,frontend)'],
    ['partition,!canary', '!canary,partition'],
    ['example.com/Key_1=Value.2', 'example.com/Key_1=Value.2'],
    ['x=a,y!=b,z in (h,i,j)', 'x=a,y!=b,z in (h,i,j)'],
    ['x>007', 'x>007'],
  ])('parses %j', (input, canonical) => {
    const sel = parseSelector(input);
    expect(sel.toString()).toBe(canonical);
    expect(parseSelector(canonical).toString()).toBe(canonical);
  });

  it('gives requirements sorted by key with sorted, de-duplicated values', () => {
    expect(parseSelector('z in (b,a,b),!y,x').requirements).toEqual([
      { key: 'x', operator: 'exists', values: [] },
      { key: 'y', operator: '!', values: [] },
      { key: 'z', operator: 'in', values: ['a', 'b'] },
    ]);
    expect(parseSelector('a>3,b<4,c==d,e!=f,g=').requirements.map((r) => r.operator)).toEqual(['gt', 'lt', '==', '!=', '=']);
  });

  it('is empty only without requirements', () => {
    expect(parseSelector('').empty()).toBe(true);
    expect(parseSelector('   ').empty()).toBe(true);
    expect(parseSelector('a').empty()).toBe(false);
  });
});

describe('labels.Parse: invalid selectors give 400 BadRequest with upstream text', () => {
  it.each<[string, string]>([
    ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${labelValueMsg}`],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x<a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x>1.5', `unable to parse requirement: values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x>', `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x>99999999999999999999', `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in ((', "unable to parse requirement: found '(', expected: ',', ')' or identifier"],
    ['x in', "unable to parse requirement: found '' expected: '('"],
    ['x notin (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x=(', "unable to parse requirement: found '(', expected: identifier"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['(x)', "found '(', expected: !, identifier, or 'end of string'"],
    ['=x', "found '=', expected: !, identifier, or 'end of string'"],
    ['x,', "found '', expected: identifier after ','"],
    ['x,,y', "found ',', expected: identifier after ','"],
    ['x y', `unable to parse requirement: found 'y', expected: ${operators}`],
    ['x!', `unable to parse requirement: found '!', expected: ${operators}`],
    ['x (a)', `unable to parse requirement: found '(', expected: ${operators}`],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!x', "unable to parse requirement: found '!', expected: identifier"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['-x', `unable to parse requirement: <nil>: Invalid value: "-x": ${labelKeyNameMsg}`],
    ['x-=a', `unable to parse requirement: <nil>: Invalid value: "x-": ${labelKeyNameMsg}`],
    ['/x', 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty'],
    ['Example.com/x', `unable to parse requirement: <nil>: Invalid value: "Example.com/x": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`],
    [`${'k'.repeat(64)}=v`, `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 bytes`],
    ['x=-a', `unable to parse requirement: values[0][x]: Invalid value: "-a": ${labelValueMsg}`],
    [`x=${'v'.repeat(64)}`, `unable to parse requirement: values[0][x]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`],
    ['x in (-a,-b)', `unable to parse requirement: [values[0][x]: Invalid value: "-a": ${labelValueMsg}, values[1][x]: Invalid value: "-b": ${labelValueMsg}]`],
    ['x<-5', `unable to parse requirement: values[0][x]: Invalid value: "-5": ${labelValueMsg}`],
    ['x>+3', `unable to parse requirement: values[0][x]: Invalid value: "+3": ${labelValueMsg}`],
    ['a=b,c=-d', `unable to parse requirement: values[0][c]: Invalid value: "-d": ${labelValueMsg}`],
  ])('rejects %j', (input, message) => {
    let thrown: unknown;
    try {
      parseSelector(input);
    } catch (e) {
      thrown = e;
    }
    expect(isStatusError(thrown, 'BadRequest')).toBe(true);
    expect((thrown as Error).message).toBe(message);
  });
});

describe('Selector.Matches', () => {
  it.each<[string, Record<string, string> | undefined]>([
    ['', { x: 'y' }],
    ['', undefined],
    ['x=y', { x: 'y' }],
    ['x==y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['x!=y', {}],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['x', { x: '' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x<1', { x: '-7' }],
    ['x in (a,b)', { x: 'b' }],
    ['x notin (a,b)', { x: 'c' }],
    ['x notin (a,b)', {}],
    ['x in ()', { x: '' }],
    ['x=', { x: '' }],
  ])('%j matches %o', (sel, labels) => {
    expect(parseSelector(sel).matches(labels)).toBe(true);
  });

  it.each<[string, Record<string, string> | undefined]>([
    ['x=z', {}],
    ['x=z', undefined],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x>1', { x: '1' }],
    ['x<1', { x: '2' }],
    ['x>1', { x: 'two' }],
    ['x>1', {}],
    ['x in (a,b)', { x: 'c' }],
    ['x in (a,b)', {}],
    ['x notin (a,b)', { x: 'a' }],
    ['x=', {}],
    ['toString', {}],
  ])('%j does not match %o', (sel, labels) => {
    expect(parseSelector(sel).matches(labels)).toBe(false);
  });

  it('reports a label pinned to one value', () => {
    const sel = parseSelector('app=web,tier in (db),env in (a,b),x!=y');
    expect(sel.requiresExactMatch('app')).toBe('web');
    expect(sel.requiresExactMatch('tier')).toBe('db');
    expect(sel.requiresExactMatch('env')).toBeUndefined();
    expect(sel.requiresExactMatch('x')).toBeUndefined();
    expect(sel.requiresExactMatch('nope')).toBeUndefined();
  });
});

describe('NewRequirement', () => {
  const msgs = (key: string, op: string, values: string[]): string[] => newRequirement(key, op, values).errors.map(fieldErrorMessage);
  it.each<[string, string, string[], string[]]>([
    ['x1', 'in', [], ["values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"]],
    ['x2', 'notin', [], ["values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"]],
    ['x3', 'in', ['foo'], []],
    ['x5', '=', ['bar', 'foo'], ['values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value']],
    ['x6', 'exists', [], []],
    ['x7', '!', [], []],
    ['x8', 'exists', ['foo'], ['values: Invalid value: ["foo"]: values set must be empty for exists and does not exist']],
    ['x11', 'gt', ['1'], []],
    ['x13', 'gt', [], ["values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required"]],
    ['x14', 'gt', ['bar'], [`values[0]: Invalid value: "bar": for 'Gt', 'Lt' operators, the value must be an integer`]],
    ['x17', '=', ['a b'], [`values[0][x17]: Invalid value: "a b": ${labelValueMsg}`]],
    ['x18', 'unsupportedOp', [], ['operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"']],
    ['a'.repeat(254), 'exists', [], [`key: Invalid value: "${'a'.repeat(254)}": name part must be no more than 63 bytes`]],
  ])('NewRequirement(%s, %s, %j)', (key, op, values, want) => {
    expect(msgs(key, op, values)).toEqual(want);
  });

  it('prefixes the error fields with a given path', () => {
    expect(newRequirement('x', 'in', [], FieldPath.root('spec', 'selector')).errors[0]!.field).toBe('spec.selector.values');
  });

  it('prints requirements as upstream Requirement.String', () => {
    expect(requirementString({ key: 'x', operator: 'in', values: ['def', 'abc'] })).toBe('x in (abc,def)');
    expect(requirementString({ key: 'z', operator: '!', values: [] })).toBe('!z');
    expect(requirementString({ key: 'y', operator: 'notin', values: [''] })).toBe('y notin ()');
  });
});

describe('Everything, Nothing and sets', () => {
  it('Everything matches all and is empty', () => {
    expect(everything().matches({ a: 'b' })).toBe(true);
    expect(everything().empty()).toBe(true);
    expect(everything().toString()).toBe('');
  });

  it('Nothing matches none and is not empty', () => {
    expect(nothing().matches({})).toBe(false);
    expect(nothing().empty()).toBe(false);
    expect(matchesNothing(nothing())).toBe(true);
    expect(matchesNothing(everything())).toBe(false);
  });

  it('SelectorFromSet matches each label exactly', () => {
    const sel = selectorFromSet({ b: '2', a: '1' });
    expect(sel.toString()).toBe('a=1,b=2');
    expect(sel.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(sel.matches({ a: '1' })).toBe(false);
    expect(selectorFromSet(undefined).empty()).toBe(true);
  });
});

describe('LabelSelectorAsSelector', () => {
  it('selects nothing for a nil selector and everything for an empty one', () => {
    expect(matchesNothing(selectorFromLabelSelector(undefined))).toBe(true);
    expect(matchesNothing(selectorFromLabelSelector(null))).toBe(true);
    expect(selectorFromLabelSelector({}).matches({ any: 'thing' })).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).empty()).toBe(true);
  });

  it('turns matchLabels and matchExpressions into sorted requirements', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { tier: 'db', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'qa'] },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'owner', operator: 'Exists', values: [] },
      ],
    });
    expect(sel.toString()).toBe('app=web,!canary,env in (prod,qa),owner,tier=db,zone notin (b)');
    expect(sel.matches({ app: 'web', tier: 'db', env: 'qa', owner: 'x', zone: 'a' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'db', env: 'qa', owner: 'x', canary: 'y' })).toBe(false);
  });

  it.each<[LabelSelector, string]>([
    [{ matchExpressions: [{ key: 'a', operator: 'Foo', values: [] }] }, '"Foo" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'],
    [{ matchLabels: { '-a': 'b' } }, `key: Invalid value: "-a": ${labelKeyNameMsg}`],
  ])('refuses %o with a 400', (ls, message) => {
    let thrown: unknown;
    try {
      selectorFromLabelSelector(ls);
    } catch (e) {
      thrown = e;
    }
    expect(isStatusError(thrown, 'BadRequest')).toBe(true);
    expect((thrown as Error).message).toBe(message);
  });
});

describe('ValidateLabelSelector', () => {
  const path = FieldPath.root('spec', 'selector');
  it.each<[LabelSelector | undefined, string[]]>([
    [undefined, []],
    [{}, []],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }, []],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] },
      ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn' }] },
      ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] },
      ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: ['x'] }] },
      ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]],
    [{ matchExpressions: [{ key: 'tier', operator: 'in', values: ['x'] }] },
      ['spec.selector.matchExpressions[0].operator: Invalid value: "in": not a valid selector operator']],
    [{ matchExpressions: [{ key: '-tier', operator: 'Exists' }] },
      [`spec.selector.matchExpressions[0].key: Invalid value: "-tier": ${labelKeyNameMsg}`]],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'tier', operator: 'In', values: ['ok', '-bad'] }] },
      [`spec.selector.matchExpressions[1].values[1]: Invalid value: "-bad": ${labelValueMsg}`]],
    [{ matchLabels: { 'a/b/c': 'x' } }, [
      "spec.selector.matchLabels: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]],
  ])('validates %o', (ls, want) => {
    expect(validateLabelSelector(ls, path).map(fieldErrorMessage)).toEqual(want);
  });

  it('can let through bad values and unknown operators, as upstream options allow', () => {
    const ls = { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['-x'] }] };
    expect(validateLabelSelector(ls, path, { allowInvalidLabelValueInSelector: true, allowUnknownOperatorInRequirement: true })).toEqual([]);
  });
});
