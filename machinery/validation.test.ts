import { describe, expect, it } from 'vitest';
import { aggregateFieldErrors, fieldErrorMessage, FieldPath, type FieldError } from './fieldpath.ts';
import * as v from './validation.ts';

// Upstream's texts, written out in full so a change in how they are assembled shows up here.
const dns1123LabelMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1123SubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const dns1035LabelMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const labelKeyNameMsg = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const tooManySlashesMsg = "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const configMapKeyMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const cIdentifierMsg = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')";
const percentMsg = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

describe('IsDNS1123Label', () => {
  it.each(['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)])('accepts %s', (s) => {
    expect(v.isDNS1123Label(s)).toEqual([]);
  });
  it.each<[string, string[]]>([
    ['', [dns1123LabelMsg]],
    ['A', [dns1123LabelMsg]],
    ['ABC', [dns1123LabelMsg]],
    ['aBc', [dns1123LabelMsg]],
    ['a-', [dns1123LabelMsg]],
    ['-a', [dns1123LabelMsg]],
    ['a_b', [dns1123LabelMsg]],
    ['a b', [dns1123LabelMsg]],
    ['a.b', ['must not contain dots']],
    ['my.app.example', ['must not contain dots']],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['A'.repeat(64), ['must be no more than 63 characters', dns1123LabelMsg]],
  ])('rejects %j', (s, want) => {
    expect(v.isDNS1123Label(s)).toEqual(want);
  });
});

describe('IsDNS1123Subdomain', () => {
  it.each(['a', 'ab', 'a1', 'a-1', 'a.a', 'a1.a', '0.a', 'a.b.c.d.e', 'aaa-bbb.ccc', 'a'.repeat(253), `${'a'.repeat(63)}.${'b'.repeat(63)}`])('accepts %s', (s) => {
    expect(v.isDNS1123Subdomain(s)).toEqual([]);
  });
  it.each<[string, string[]]>([
    ['', [dns1123SubdomainMsg]],
    ['A', [dns1123SubdomainMsg]],
    ['a..b', [dns1123SubdomainMsg]],
    ['.a', [dns1123SubdomainMsg]],
    ['a.', [dns1123SubdomainMsg]],
    ['a_b', [dns1123SubdomainMsg]],
    ['a@b', [dns1123SubdomainMsg]],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ])('rejects %j', (s, want) => {
    expect(v.isDNS1123Subdomain(s)).toEqual(want);
  });
  it('allows underscores only in the WithUnderscore variant', () => {
    expect(v.isDNS1123SubdomainWithUnderscore('_sip._tcp.example.com')).toEqual([]);
    expect(v.isDNS1123SubdomainWithUnderscore('A')).toHaveLength(1);
  });
});

describe('IsDNS1035Label', () => {
  it.each(['a', 'ab', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)])('accepts %s', (s) => expect(v.isDNS1035Label(s)).toEqual([]));
  it.each<[string, string[]]>([
    ['0', [dns1035LabelMsg]],
    ['1a', [dns1035LabelMsg]],
    ['a-', [dns1035LabelMsg]],
    ['A', [dns1035LabelMsg]],
    ['a.b', [dns1035LabelMsg]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('rejects %j', (s, want) => expect(v.isDNS1035Label(s)).toEqual(want));
});

describe('IsQualifiedName (label keys, annotation keys, finalizers)', () => {
  it.each(['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num',
    '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo',
    'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`])('accepts %s', (s) => {
    expect(v.isQualifiedName(s)).toEqual([]);
  });
  it.each<[string, string[]]>([
    ['', ['name part must be non-empty', labelKeyNameMsg]],
    ['/', ['prefix part must be non-empty', 'name part must be non-empty', labelKeyNameMsg]],
    ['nospecialchars%^=@', [labelKeyNameMsg]],
    ['cantendwithadash-', [labelKeyNameMsg]],
    ['-cantstartwithadash-', [labelKeyNameMsg]],
    ['only/one/slash', [tooManySlashesMsg]],
    ['Example.com/abc', [`prefix part ${dns1123SubdomainMsg}`]],
    ['example_com/abc', [`prefix part ${dns1123SubdomainMsg}`]],
    ['example.com/', ['name part must be non-empty', labelKeyNameMsg]],
    ['/simple', ['prefix part must be non-empty']],
    ['a'.repeat(64), ['name part must be no more than 63 bytes']],
    [`${'a'.repeat(254)}/abc`, ['prefix part must be no more than 253 bytes']],
  ])('rejects %j', (s, want) => {
    expect(v.isQualifiedName(s)).toEqual(want);
  });
  it('requires a prefix for prefixed label keys', () => {
    expect(v.isPrefixedLabelKey('example.com/key')).toEqual([]);
    expect(v.isPrefixedLabelKey('key')).toEqual(["must include a prefix (e.g. 'example.com/key')"]);
  });
});

describe('IsValidLabelValue', () => {
  it.each(['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', '-'.repeat(0), 'a'.repeat(63), 'Uppercase_Is_OK_123'])('accepts %j', (s) => {
    expect(v.isValidLabelValue(s)).toEqual([]);
  });
  it.each<[string, string[]]>([
    ['nospecialchars%^=@', [labelValueMsg]],
    ['Tama-nui-te-rā.is.Māori.sun', [labelValueMsg]],
    ['\\backslashes\\are\\bad', [labelValueMsg]],
    ['-starts-with-dash', [labelValueMsg]],
    ['ends-with-dash-', [labelValueMsg]],
    ['.starts.with.dot', [labelValueMsg]],
    ['a b', [labelValueMsg]],
    ['a'.repeat(64), ['must be no more than 63 bytes']],
  ])('rejects %j', (s, want) => {
    expect(v.isValidLabelValue(s)).toEqual(want);
  });
});

describe('other string formats', () => {
  it('IsCIdentifier', () => {
    for (const s of ['A', 'ABC', 'AbC_123', '_', '__', '_a', 'a_b']) expect(v.isCIdentifier(s)).toEqual([]);
    for (const s of ['', '1', '123', '1a', 'a-b', 'a b', '#', '$a']) expect(v.isCIdentifier(s)).toEqual([cIdentifierMsg]);
  });

  it('IsValidPortNum', () => {
    for (const n of [1, 80, 443, 65535]) expect(v.isValidPortNum(n)).toEqual([]);
    for (const n of [0, -1, 65536, 1.5]) expect(v.isValidPortNum(n)).toEqual(['must be between 1 and 65535, inclusive']);
  });

  it.each<[string, string[]]>([
    ['http', []],
    ['h-t-t-p', []],
    ['abc123', []],
    ['a'.repeat(15), []],
    ['a'.repeat(16), ['must be no more than 15 characters']],
    ['', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['1234', ['must contain at least one letter (a-z)']],
    ['HTTP', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['h--ttp', ['must not contain consecutive hyphens']],
    ['-http', ['must not begin or end with a hyphen']],
    ['http-', ['must not begin or end with a hyphen']],
    ['h_ttp', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
  ])('IsValidPortName(%j)', (s, want) => expect(v.isValidPortName(s)).toEqual(want));

  it('IsValidPercent', () => {
    for (const s of ['0%', '00000%', '1%', '01%', '99%', '100%', '101%']) expect(v.isValidPercent(s)).toEqual([]);
    for (const s of ['', '0', '100', '0.0%', '99.9%', 'hundred', ' 1%', '1% ', '-0%', '-1%', '+1%']) expect(v.isValidPercent(s)).toEqual([percentMsg]);
  });

  it('IsConfigMapKey', () => {
    for (const s of ['a', 'good', 'good_value', 'good-value', 'good.value', '.dotfile', 'KEY_NAME']) expect(v.isConfigMapKey(s)).toEqual([]);
    expect(v.isConfigMapKey('bad key')).toEqual([configMapKeyMsg]);
    expect(v.isConfigMapKey('.')).toEqual(["must not be '.'"]);
    expect(v.isConfigMapKey('..')).toEqual(["must not be '..'"]);
    expect(v.isConfigMapKey('..bad')).toEqual(["must not start with '..'"]);
    expect(v.isConfigMapKey('a'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });

  it('IsEnvVarName', () => {
    for (const s of ['A', 'ABC', 'AbC_123', '_', 'a.b', 'a-b', '.a']) expect(v.isEnvVarName(s)).toEqual([]);
    expect(v.isEnvVarName('1a')).toEqual(["a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"]);
    expect(v.isEnvVarName('..')).toEqual(["must not be '..'"]);
    expect(v.isRelaxedEnvVarName('1 a')).toEqual([]);
    expect(v.isRelaxedEnvVarName('a=b')).toEqual(["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
    expect(v.isRelaxedEnvVarName('')).toEqual(['environment variable name must be non-empty']);
  });

  it('IsHTTPHeaderName and IsWildcardDNS1123Subdomain', () => {
    expect(v.isHTTPHeaderName('X-Header-Name')).toEqual([]);
    expect(v.isHTTPHeaderName('X_Header')).toEqual(["a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"]);
    expect(v.isWildcardDNS1123Subdomain('*.example.com')).toEqual([]);
    expect(v.isWildcardDNS1123Subdomain('example.com')).toHaveLength(1);
  });

  it('IsFullyQualifiedName and IsDomainPrefixedPath', () => {
    const p = FieldPath.root('spec', 'group');
    expect(v.isFullyQualifiedName(p, 'stable.example.com')).toEqual([]);
    expect(v.isFullyQualifiedName(p, 'example.com').map(fieldErrorMessage))
      .toEqual(['spec.group: Invalid value: "example.com": should be a domain with at least three segments separated by dots']);
    expect(v.isFullyQualifiedName(p, '').map(fieldErrorMessage)).toEqual(['spec.group: Required value']);
    expect(v.isDomainPrefixedPath(p, 'acme.io/foo')).toEqual([]);
    expect(v.isDomainPrefixedPath(p, 'foo').map(fieldErrorMessage))
      .toEqual(['spec.group: Invalid value: "foo": must be a domain-prefixed path (such as "acme.io/foo")']);
    expect(v.isFullyQualifiedDomainName(p, 'example.com.')).toEqual([]);
  });
});

describe('IsValidIP (strict)', () => {
  it.each(['1.2.3.4', '0.0.0.0', '255.255.255.255', '::', '::1', '2001:db8::ffff', '1:2:3:4:5:6:7:8', 'fe80::1', '64:ff9b::1', '2001:db8::1:0:0:1'])('accepts %s', (s) => {
    expect(v.isValidIP(s)).toEqual([]);
  });
  it.each<[string, string[]]>([
    ['', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['1.2.3', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['1.2.3.256', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['fe80::1%eth0', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['1:2:3:4:5:6:7:8:9', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['1::2::3', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['001.002.003.004', ['must not have leading 0s']],
    ['::ffff:1.2.3.4', ['must not be an IPv4-mapped IPv6 address']],
    ['::ffff:0:1', ['must not be an IPv4-mapped IPv6 address']],
    ['::ffff:01.2.3.4', ['must not have leading 0s']],
    ['2001:DB8::1', ['must be in canonical form ("2001:db8::1")']],
    ['2001:db8:0:0:0:0:0:1', ['must be in canonical form ("2001:db8::1")']],
    ['0:0:0:0:0:0:0:1', ['must be in canonical form ("::1")']],
    ['2001:db8:0:1:0:0:0:1', ['must be in canonical form ("2001:db8:0:1::1")']],
  ])('rejects %j', (s, want) => expect(v.isValidIP(s)).toEqual(want));

  it('reports as field errors at the given path', () => {
    expect(v.validateIP(FieldPath.root('spec', 'clusterIP'), '1.2.3').map(fieldErrorMessage))
      .toEqual(['spec.clusterIP: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });

  it.each<[string, string[]]>([
    ['10.0.0.0/8', []],
    ['2001:db8::/64', []],
    ['10.0.0.1/8', ['must not have bits set beyond the prefix length']],
    ['10.0.0.0/33', ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    ['10.0.0.0', ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    ['010.0.0.0/8', ['must not have leading 0s in IP or prefix length']],
    ['2001:DB8::/64', ['must be in canonical form ("2001:db8::/64")']],
  ])('IsValidCIDR(%j)', (s, want) => expect(v.isValidCIDR(s)).toEqual(want));
});

describe('name validators', () => {
  it('masks a trailing dash of a generateName as upstream does', () => {
    expect(v.nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(v.nameIsDNSSubdomain('web-', false)).toEqual([dns1123SubdomainMsg]);
    expect(v.nameIsDNSLabel('a-', true)).toEqual([]);
    expect(v.nameIsDNS1035Label('x-', true)).toEqual([]);
  });

  it.each<[string, boolean, string[]]>([
    ['web', false, []],
    ['.', false, ["may not be '.'"]],
    ['..', false, ["may not be '..'"]],
    ['a/b', false, ["may not contain '/'"]],
    ['a%b', false, ["may not contain '%'"]],
    ['a/%b', false, ["may not contain '/'", "may not contain '%'"]],
    ['.', true, []],
    ['a/', true, ["may not contain '/'"]],
  ])('ValidatePathSegmentName(%j, prefix=%s)', (name, prefix, want) => {
    expect(v.validatePathSegmentName(name, prefix)).toEqual(want);
  });
});

const msgs = (errs: FieldError[]): string[] => errs.map(fieldErrorMessage);
const meta = FieldPath.root('metadata');
const nsOpts = { namespaced: true, nameValidator: v.nameIsDNSSubdomain };
const clusterOpts = { namespaced: false, nameValidator: v.nameIsDNSSubdomain };

describe('ValidateObjectMeta', () => {
  it('accepts a complete namespaced object', () => {
    expect(v.validateObjectMeta({ name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/a': 'x' }, finalizers: ['example.com/f'] }, nsOpts, meta)).toEqual([]);
  });

  it('requires a name or generateName', () => {
    expect(msgs(v.validateObjectMeta({ namespace: 'default' }, nsOpts, meta)))
      .toEqual(['metadata.name: Required value: name or generateName is required']);
  });

  it('checks name and generateName with the resource rule', () => {
    expect(msgs(v.validateObjectMeta({ name: 'Web', generateName: 'Web-', namespace: 'default' }, nsOpts, meta))).toEqual([
      `metadata.generateName: Invalid value: "Web-": ${dns1123SubdomainMsg}`,
      `metadata.name: Invalid value: "Web": ${dns1123SubdomainMsg}`,
    ]);
  });

  it('requires a namespace on namespaced resources and checks it as a DNS label', () => {
    expect(msgs(v.validateObjectMeta({ name: 'web' }, nsOpts, meta))).toEqual(['metadata.namespace: Required value']);
    expect(msgs(v.validateObjectMeta({ name: 'web', namespace: 'a.b' }, nsOpts, meta)))
      .toEqual(['metadata.namespace: Invalid value: "a.b": must not contain dots']);
  });

  it('forbids a namespace on cluster-scoped resources', () => {
    expect(msgs(v.validateObjectMeta({ name: 'n1', namespace: 'default' }, clusterOpts, meta)))
      .toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });

  it('rejects a negative generation', () => {
    expect(msgs(v.validateObjectMeta({ name: 'n1', generation: -1 }, clusterOpts, meta)))
      .toEqual(['metadata.generation: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('reports label key and value errors at metadata.labels', () => {
    expect(msgs(v.validateObjectMeta({ name: 'n', labels: { '-bad': 'ok', good: 'bad value' } }, clusterOpts, meta))).toEqual([
      `metadata.labels: Invalid value: "-bad": ${labelKeyNameMsg}`,
      `metadata.labels: Invalid value: "bad value": ${labelValueMsg}`,
    ]);
  });

  it('checks annotation keys lower-cased and caps their total size at 256 KiB', () => {
    expect(v.validateAnnotations({ 'Example.COM/Key': 'x' }, FieldPath.root('a'))).toEqual([]);
    expect(msgs(v.validateAnnotations({ 'a/b/c': 'x' }, meta.child('annotations'))))
      .toEqual([`metadata.annotations: Invalid value: "a/b/c": ${tooManySlashesMsg}`]);
    expect(v.validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, meta.child('annotations'))).toEqual([]);
    expect(msgs(v.validateAnnotations({ a: 'x'.repeat(256 * 1024) }, meta.child('annotations'))))
      .toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });

  it('checks owner references at the list path, as upstream does', () => {
    const errs = v.validateObjectMeta({ name: 'n', ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: '' }] }, clusterOpts, meta);
    expect(msgs(errs)).toEqual([
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]);
  });

  it('refuses an Event as an owner', () => {
    const errs = v.validateOwnerReferences([{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }], meta.child('ownerReferences'));
    expect(msgs(errs)).toEqual(['metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"u"}: /v1, Kind=Event is disallowed from being an owner']);
  });

  it('allows one controller reference only', () => {
    const refs = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
    ];
    const errs = v.validateOwnerReferences(refs, meta.child('ownerReferences'));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.detail).toBe('Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b');
    expect(errs[0]!.field).toBe('metadata.ownerReferences');
  });

  it('checks finalizers as qualified names and refuses orphan with foregroundDeletion', () => {
    expect(msgs(v.validateFinalizers(['a/b/c'], meta.child('finalizers')))).toEqual([`metadata.finalizers: Invalid value: "a/b/c": ${tooManySlashesMsg}`]);
    expect(msgs(v.validateFinalizers(['orphan', 'foregroundDeletion'], meta.child('finalizers'))))
      .toEqual(['metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set']);
    expect(v.validateFinalizers(['kubernetes.io/pvc-protection', 'orphan'], meta.child('finalizers'))).toEqual([]);
  });

  it('checks managed fields entries', () => {
    const errs = v.validateManagedFields([{ manager: 'kubectl', operation: 'Patch', fieldsType: 'FieldsV2' }, { manager: 'a\u0007', operation: 'Apply' }], meta.child('managedFields'));
    expect(msgs(errs)).toEqual([
      'metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`',
      'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
      'metadata.managedFields[1].manager: Invalid value: "a\\a": invalid character U+0007 (at position 1)',
    ]);
  });

  it('flags a generateName that produced no name as an internal error', () => {
    expect(msgs(v.validateGeneratedName({ generateName: 'web-' }, meta)))
      .toEqual(['metadata.name: Internal error: generateName was specified ("web-"), but no name was generated']);
  });

  it('aggregates into the 422 message format', () => {
    expect(aggregateFieldErrors(v.validateObjectMeta({}, nsOpts, meta)))
      .toBe('[metadata.name: Required value: name or generateName is required, metadata.namespace: Required value]');
  });
});

describe('ValidateObjectMetaUpdate', () => {
  const old = {
    name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', generation: 2,
    creationTimestamp: '2024-01-01T00:00:00Z', labels: { app: 'web' },
  };

  it('accepts an update that changes only mutable fields', () => {
    expect(v.validateObjectMetaUpdate({ ...old, labels: { app: 'web2' }, generation: 3 }, old, meta)).toEqual([]);
  });

  it('treats equal instants in other zones as unchanged', () => {
    expect(v.validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-01-01T01:00:00+01:00' }, old, meta)).toEqual([]);
  });

  it('refuses changes to immutable fields with "field is immutable"', () => {
    const errs = v.validateObjectMetaUpdate({
      ...old, name: 'web2', namespace: 'other', uid: 'u2', creationTimestamp: '2025-01-01T00:00:00Z',
      deletionTimestamp: '2025-01-02T00:00:00Z', deletionGracePeriodSeconds: 30,
    }, old, meta);
    expect(msgs(errs)).toEqual([
      'metadata.name: Invalid value: "web2": field is immutable',
      'metadata.namespace: Invalid value: "other": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable',
      'metadata.deletionTimestamp: Invalid value: "2025-01-02T00:00:00Z": field is immutable',
      'metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable',
    ]);
  });

  it('renders a cleared value as null or the empty string', () => {
    const errs = v.validateObjectMetaUpdate({ ...old, uid: undefined, creationTimestamp: undefined }, old, meta);
    expect(msgs(errs)).toEqual([
      'metadata.uid: Invalid value: "": field is immutable',
      'metadata.creationTimestamp: Invalid value: null: field is immutable',
    ]);
  });

  it('requires a resourceVersion and refuses a lower generation', () => {
    expect(msgs(v.validateObjectMetaUpdate({ ...old, resourceVersion: undefined, generation: 1 }, old, meta))).toEqual([
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.generation: Invalid value: 1: must not be decremented',
    ]);
  });

  it('refuses new finalizers once the object is being deleted', () => {
    const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a.io/x'] };
    expect(v.validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting, meta)).toEqual([]);
    expect(msgs(v.validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'b.io/y', 'a.io/z'] }, deleting, meta)))
      .toEqual(['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/z", "b.io/y"}']);
  });

  it('still validates labels on update', () => {
    expect(msgs(v.validateObjectMetaUpdate({ ...old, labels: { app: '-x' } }, old, meta)))
      .toEqual([`metadata.labels: Invalid value: "-x": ${labelValueMsg}`]);
  });
});
