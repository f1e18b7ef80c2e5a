import { describe, it, expect } from 'vitest';
import { load, CORE_SCHEMA } from 'js-yaml';
import { gnosticYaml, resolvesToNonString, type JsonValue } from './gnosticyaml.ts';

// Expected texts are what gnostic-models v0.6.8 stores (yaml.v3 v3.0.1's Marshal of the node
// parsed from JSON, styles cleared), recorded by running it over each value.
const recorded: Array<[string, JsonValue, string]> = [
  ['a GVK list (x-kubernetes-group-version-kind on definitions)', [{ group: '', kind: 'ConfigMap', version: 'v1' }], '- group: ""\n  kind: ConfigMap\n  version: v1\n'],
  ['a GVK object (on operations)', { group: 'apps', kind: 'Deployment', version: 'v1' }, 'group: apps\nkind: Deployment\nversion: v1\n'],
  ['a patch merge key', 'name', 'name\n'],
  ['a patch strategy with a comma', 'merge,retainKeys', 'merge,retainKeys\n'],
  ['list map keys', ['port', 'protocol'], '- port\n- protocol\n'],
  ['a boolean', true, 'true\n'],
  ['an integer', 12, '12\n'],
  ['a float', -2.5, '-2.5\n'],
  ['null', null, 'null\n'],
  ['the empty string', '', '""\n'],
  ['a string that reads as a bool', 'true', '"true"\n'],
  ['a string that reads as an int', '1', '"1"\n'],
  ['a string that reads as a hex int', '0x1F', '"0x1F"\n'],
  ['a string that reads as a timestamp', '2024-01-02', '"2024-01-02"\n'],
  ['a string with ": "', 'a: b', "'a: b'\n"],
  ['a string starting with an indicator', '*x', "'*x'\n"],
  ['a string starting with "- "', '- x', "'- x'\n"],
  ['an apostrophe inside', "it's", "it's\n"],
  ['a leading space', ' lead', "' lead'\n"],
  ['two lines', 'line1\nline2', '|-\n    line1\n    line2\n'],
  ['a trailing newline', 'line\n', '|\n    line\n'],
  ['a leading newline (yaml.v3 drops it)', '\nlead', '|4-\n    lead\n'],
  ['a tab', 'tab\there', '"tab\\there"\n'],
  ['a control character', 'ctl\u0001', '"ctl\\x01"\n'],
  ['a leading BOM (libyaml then escapes every character)', '\ufeffx', '"\\uFEFF\\x78"\n'],
  ['an empty map', {}, '{}\n'],
  ['an empty list', [], '[]\n'],
  ['nesting: maps indent by 4, lists inside maps too, maps in lists after "- "', { a: { b: [1, { c: 'd', e: [] }] } }, 'a:\n    b:\n        - 1\n        - c: d\n          e: []\n'],
  ['lists of lists', [[1, 2], [3]], '- - 1\n  - 2\n- - 3\n'],
  ['a multi-line key', { 'multi\nline': 1, plain: { x: 1 } }, '? |-\n    multi\n    line\n: 1\nplain:\n    x: 1\n'],
];

describe('gnosticYaml writes what gnostic stores in Any.yaml', () => {
  it.each(recorded)('%s', (_name, value, text) => {
    expect(gnosticYaml(value)).toBe(text);
  });

  it.each(recorded.filter(([name]) => !name.includes('drops')))('%s reads back as the same value', (_name, value) => {
    expect(load(gnosticYaml(value), { schema: CORE_SCHEMA })).toEqual(value);
  });

  it('writes keys over 128 bytes as complex keys, as libyaml does', () => {
    const key = 'k'.repeat(129);
    expect(gnosticYaml({ [key]: 'v' })).toBe(`? ${key}\n: v\n`);
    expect(gnosticYaml({ ['k'.repeat(128)]: 'v' })).toBe(`${'k'.repeat(128)}: v\n`);
  });
});

describe('resolvesToNonString follows yaml.v3 resolve()', () => {
  it.each(['true', 'False', 'NULL', '~', '', '.inf', '-.Inf', '.nan', '12', '+1', '-0', '012', '0o17', '0b101', '1_000', '1.5', '.5', '1e3', '2001-02-03', '2001-2-3T04:05:06Z', '2001-02-03 04:05:06.5'])(
    '%j is not a string when plain',
    (s) => expect(resolvesToNonString(s)).toBe(true),
  );

  it.each(['yes', 'no', 'on', 'Off', 'y', 'NaN', 'nul', '<<', '1:20', '0x', '08x', '2001-02-30', '2001-02-03T04:05:06', '1e400', 'v1', 'a1', '-'])(
    '%j stays a string',
    (s) => expect(resolvesToNonString(s)).toBe(false),
  );
});
