// Name, label and annotation checks and ObjectMeta validation, as upstream's
// apimachinery/pkg/util/validation, api/validate/content, api/validation and
// apis/meta/v1/validation. The string checks return upstream's messages; the meta validators
// return field errors. Lengths are counted in bytes, as Go's len() does.
import { FieldPath, forbidden, internal, invalid, required, tooLong, type FieldError } from './fieldpath.ts';
import { byteLength, goQuote, isGoPrintable } from './goformat.ts';
import type { ObjectMeta, OwnerReference, ManagedFieldsEntry } from './meta.ts';

// ---- message builders (util/validation and validate/content) ----

/** util/validation's length message (names, keys, ports). */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** validate/content's length message (label keys and values, label-key prefixes). */
function maxLenBytesError(length: number): string {
  return `must be no more than ${length} bytes`;
}

export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  // Upstream appends "', " after each example and " or " before the next: hence the double space.
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

export function emptyError(): string {
  return 'must be non-empty';
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

const anchored = (fmt: string): RegExp => new RegExp(`^(?:${fmt})$`);

// ---- DNS names ----

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123LabelMaxLength = 63;
const dns1123LabelRe = anchored(dns1123LabelFmt);

const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123SubdomainMaxLength = 253;
const dns1123SubdomainRe = anchored(dns1123SubdomainFmt);

const dns1123LabelFmtWithUnderscore = '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmtWithUnderscore = `${dns1123LabelFmtWithUnderscore}(\\.${dns1123LabelFmtWithUnderscore})*`;
const dns1123SubdomainErrMsgWithUnderscore = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character";
const dns1123SubdomainWithUnderscoreRe = anchored(dns1123SubdomainFmtWithUnderscore);

const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1035LabelMaxLength = 63;
const dns1035LabelRe = anchored(dns1035LabelFmt);

const wildcardDNS1123SubdomainFmt = `\\*\\.${dns1123SubdomainFmt}`;
const wildcardDNS1123SubdomainErrMsg = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
const wildcardDNS1123SubdomainRe = anchored(wildcardDNS1123SubdomainFmt);

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123LabelMaxLength) errs.push(maxLenError(DNS1123LabelMaxLength));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

export function isDNS1123SubdomainWithUnderscore(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!dns1123SubdomainWithUnderscoreRe.test(value)) {
    errs.push(regexError(dns1123SubdomainErrMsgWithUnderscore, dns1123SubdomainFmtWithUnderscore, 'example.com'));
  }
  return errs;
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035LabelMaxLength) errs.push(maxLenError(DNS1035LabelMaxLength));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!wildcardDNS1123SubdomainRe.test(value)) {
    errs.push(regexError(wildcardDNS1123SubdomainErrMsg, wildcardDNS1123SubdomainFmt, '*.example.com'));
  }
  return errs;
}

/** validate/content's subdomain check, used for label-key prefixes: lengths in bytes. */
function contentIsDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123SubdomainMaxLength) errs.push(maxLenBytesError(DNS1123SubdomainMaxLength));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

// ---- label keys (qualified names) and values ----

const labelKeyCharFmt = '[A-Za-z0-9]';
const labelKeyExtCharFmt = '[-A-Za-z0-9_.]';
const labelKeyFmt = `(${labelKeyCharFmt}${labelKeyExtCharFmt}*)?${labelKeyCharFmt}`;
const labelKeyErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelKeyMaxLength = 63;
const labelKeyRe = anchored(labelKeyFmt);

/** A label key, annotation key or finalizer: `[prefix/]name` (upstream's IsQualifiedName). */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part ' + emptyError());
    else errs.push(...contentIsDNS1123Subdomain(prefix).map((m) => 'prefix part ' + m));
  } else {
    return [
      'a valid label key ' + regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part ' + emptyError());
  else if (byteLength(name) > labelKeyMaxLength) errs.push('name part ' + maxLenBytesError(labelKeyMaxLength));
  if (!labelKeyRe.test(name)) errs.push('name part ' + regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc'));
  return errs;
}

/** A label key that must carry a prefix (upstream's IsPrefixedLabelKey). */
export function isPrefixedLabelKey(value: string): string[] {
  const errs = isQualifiedName(value);
  if (errs.length > 0) return errs;
  if (value.split('/').length !== 2) return ["must include a prefix (e.g. 'example.com/key')"];
  return [];
}

export const LabelValueMaxLength = 63;
const labelValueFmt = `(${labelKeyFmt})?`;
const labelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueRe = anchored(labelValueFmt);

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LabelValueMaxLength) errs.push(maxLenBytesError(LabelValueMaxLength));
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

// ---- other string formats ----

const cIdentifierFmt = '[A-Za-z_][A-Za-z0-9_]*';
const cIdentifierRe = anchored(cIdentifierFmt);

export function isCIdentifier(value: string): string[] {
  if (cIdentifierRe.test(value)) return [];
  return [regexError("a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'",
    cIdentifierFmt, 'my_name', 'MY_NAME', 'MyName')];
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

export function isInRange(value: number, min: number, max: number): string[] {
  return value >= min && value <= max ? [] : [inclusiveRangeError(min, max)];
}

const maxInt32 = 2147483647;

export function isValidGroupID(gid: number): string[] {
  return gid >= 0 && gid <= maxInt32 ? [] : [inclusiveRangeError(0, maxInt32)];
}

export function isValidUserID(uid: number): string[] {
  return uid >= 0 && uid <= maxInt32 ? [] : [inclusiveRangeError(0, maxInt32)];
}

/** An IANA_SVC_NAME: at most 15 characters, a-z0-9 and single inner hyphens, at least one letter. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

const percentFmt = '[0-9]+%';
const percentRe = anchored(percentFmt);

export function isValidPercent(percent: string): string[] {
  if (percentRe.test(percent)) return [];
  return [regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, '1%', '93%')];
}

const httpHeaderNameFmt = '[-A-Za-z0-9]+';
const httpHeaderNameRe = anchored(httpHeaderNameFmt);

export function isHTTPHeaderName(value: string): string[] {
  if (httpHeaderNameRe.test(value)) return [];
  return [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", httpHeaderNameFmt, 'X-Header-Name')];
}

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const envVarNameRe = anchored(envVarNameFmt);

export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(value)) {
    errs.push(regexError("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
      envVarNameFmt, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

/** Printable ASCII other than '=' (upstream's IsRelaxedEnvVarName). */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push('environment variable name ' + emptyError());
  for (const ch of value) {
    if (ch.codePointAt(0)! > 0x7f || !isGoPrintable(ch) || ch === '=') {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const configMapKeyRe = anchored(configMapKeyFmt);

export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!configMapKeyRe.test(value)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configMapKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  }
  errs.push(...hasChDirPrefix(value));
  return errs;
}

/** A DNS subdomain with at least three dot-separated segments (upstream's IsFullyQualifiedName). */
export function isFullyQualifiedName(path: FieldPath, name: string): FieldError[] {
  if (name.length === 0) return [required(path)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

/** A domain name with at least two segments, an optional trailing dot (upstream's IsFullyQualifiedDomainName). */
export function isFullyQualifiedDomainName(path: FieldPath, name: string): FieldError[] {
  if (name.length === 0) return [required(path)];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const errs = isDNS1123Subdomain(n);
  if (errs.length > 0) return [invalid(path, n, errs.join(','))];
  if (n.split('.').length < 2) return [invalid(path, n, 'should be a domain with at least two segments separated by dots')];
  for (const label of n.split('.')) {
    const le = isDNS1123Label(label);
    if (le.length > 0) return [invalid(path, label, le.join(','))];
  }
  return [];
}

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = anchored(httpPathFmt);

/** `acme.io/foo`: a DNS subdomain, a slash, an HTTP path (upstream's IsDomainPrefixedPath). */
export function isDomainPrefixedPath(path: FieldPath, dpPath: string): FieldError[] {
  if (dpPath.length === 0) return [required(path)];
  const i = dpPath.indexOf('/');
  const host = i < 0 ? dpPath : dpPath.slice(0, i);
  const rest = i < 0 ? '' : dpPath.slice(i + 1);
  if (i < 0 || host.length === 0 || rest.length === 0) {
    return [invalid(path, dpPath, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((m) => invalid(path, host, m));
  if (!httpPathRe.test(rest)) errs.push(invalid(path, rest, regexError('Invalid path', httpPathFmt)));
  return errs;
}

// ---- IP addresses ----

export interface ParsedIP {
  bytes: number[]; // 4 or 16
  /** Whether the text was a valid netip.ParseAddr input (no leading zeros, no zone). */
  strict: boolean;
  /** Whether it was written as IPv6 (netip keeps ::ffff:a.b.c.d as a 4-in-6 address). */
  v6: boolean;
}

function parseIPv4(s: string): { bytes: number[]; strict: boolean } | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let strict = true;
  const bytes: number[] = [];
  for (const p of parts) {
    // The sloppy parser (k8s.io/utils/net) reads leading zeros as decimal; netip rejects them.
    if (!/^[0-9]+$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    if (p.length > 1 && p.startsWith('0')) strict = false;
    bytes.push(n);
  }
  return { bytes, strict };
}

function parseIPv6(s: string): { bytes: number[]; strict: boolean } | undefined {
  let strict = true;
  let text = s;
  // An embedded IPv4 address may end the text; rewrite it as two hex groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    if (!v4.strict) strict = false;
    const [a, b, c, d] = v4.bytes as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0 && dbl !== text.lastIndexOf('::')) return undefined;
  const parseGroups = (t: string): number[] | undefined => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(text.slice(0, dbl));
    const rest = parseGroups(text.slice(dbl + 2));
    if (!head || !rest) return undefined;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return { bytes, strict };
}

/** Parses an IPv4 or IPv6 address as Go's net.ParseIP (leading zeros allowed; `strict` says whether netip would accept it). */
export function parseIP(s: string): ParsedIP | undefined {
  if (s.includes(':')) {
    const v6 = parseIPv6(s);
    return v6 ? { ...v6, v6: true } : undefined;
  }
  const v4 = parseIPv4(s);
  return v4 ? { ...v4, v6: false } : undefined;
}

const isV4Mapped = (b: number[]): boolean =>
  b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** Go's net.IP.String(): dotted IPv4 (also for IPv4-mapped IPv6), else RFC 5952 IPv6. */
function ipString(b: number[]): string {
  if (b.length === 4) return b.join('.');
  if (isV4Mapped(b)) return b.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // The longest run of two or more zero groups (the first of equals) becomes "::".
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return `${hexes.slice(0, bestStart).join(':')}::${hexes.slice(bestStart + bestLen).join(':')}`;
}

/** Upstream's strict IP check (IsValidIP) as messages: parseable, no leading zeros, not 4-in-6, canonical. */
export function isValidIP(value: string): string[] {
  const ip = parseIP(value);
  if (!ip) return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  // netip.ParseAddr fails on leading zeros, and then nothing else is checked.
  if (!ip.strict) return ['must not have leading 0s'];
  if (ip.v6 && isV4Mapped(ip.bytes)) return ['must not be an IPv4-mapped IPv6 address'];
  const canonical = ipString(ip.bytes);
  if (value !== canonical) return [`must be in canonical form (${goQuote(canonical)})`];
  return [];
}

/** Upstream's IsValidIP(fldPath, value): the same checks as field errors. */
export function validateIP(path: FieldPath, value: string): FieldError[] {
  return isValidIP(value).map((m) => invalid(path, value, m));
}

/** Upstream's strict CIDR check (IsValidCIDR) as messages. */
export function isValidCIDR(value: string): string[] {
  const slash = value.indexOf('/');
  const bad = ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
  if (slash < 0) return bad;
  const ip = parseIP(value.slice(0, slash));
  const lenText = value.slice(slash + 1);
  if (!ip || !/^[0-9]+$/.test(lenText)) return bad;
  const bits = ip.bytes.length * 8;
  const prefixLen = Number(lenText);
  if (prefixLen > bits) return bad;
  if (!ip.strict || (lenText.length > 1 && lenText.startsWith('0'))) return ['must not have leading 0s in IP or prefix length'];
  if (ip.v6 && isV4Mapped(ip.bytes)) return ['must not have an IPv4-mapped IPv6 address'];
  const masked = ip.bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefixLen - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  if (masked.some((b, i) => b !== ip.bytes[i])) return ['must not have bits set beyond the prefix length'];
  const canonical = `${ipString(masked)}/${prefixLen}`;
  if (value !== canonical) return [`must be in canonical form (${goQuote(canonical)})`];
  return [];
}

// ---- name validators for ObjectMeta (api/validation/generic.go, path/name.go) ----

/** A name validator: `prefix` is true when checking a generateName. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** As upstream's maskTrailingDash: a generateName may end in '-'; the last two characters become 'a'. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? name.slice(0, -2) + 'a' : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
export const validateNamespaceName: NameValidator = nameIsDNSLabel;

/** The rule for names that only need to be a URL path segment (upstream's ValidatePathSegmentName). */
export const validatePathSegmentName: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

// ---- labels, annotations, owner references, finalizers, managed fields ----

export const FieldImmutableErrorMsg = 'field is immutable';
export const IsNegativeErrorMsg = 'must be greater than or equal to 0';
/** The cap on the summed byte length of all annotation keys and values. */
export const TotalAnnotationSizeLimitB = 256 * 1024;

export function validateLabelName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(path, name, m));
}

/** Key errors and value errors both sit at the labels path itself, as upstream reports them. */
export function validateLabels(labels: Record<string, string> | undefined | null, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(v)) errs.push(invalid(path, v, m));
  }
  return errs;
}

/** Keys are checked lower-cased (so upper case passes); the total size is capped at 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    total += byteLength(k) + byteLength(v);
  }
  if (total > TotalAnnotationSizeLimitB) errs.push(tooLong(path, '', TotalAnnotationSizeLimitB));
  return errs;
}

/** The owner kinds upstream refuses (BannedOwners), as `group/version, Kind=kind`. */
const bannedOwners = new Set(['/v1, Kind=Event']);

function ownerRefForMessage(ref: OwnerReference): Record<string, unknown> {
  // Go's struct field order, so the rendered bad value matches upstream's JSON.
  const out: Record<string, unknown> = { apiVersion: ref.apiVersion ?? '', kind: ref.kind ?? '', name: ref.name ?? '', uid: ref.uid ?? '' };
  if (ref.controller !== undefined && ref.controller !== null) out.controller = ref.controller;
  if (ref.blockOwnerDeletion !== undefined && ref.blockOwnerDeletion !== null) out.blockOwnerDeletion = ref.blockOwnerDeletion;
  return out;
}

function validateOwnerReference(ref: OwnerReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref.apiVersion ?? '';
  let gv: { group: string; version: string } = { group: '', version: '' };
  const slashes = apiVersion.split('/').length - 1;
  if (apiVersion !== '' && apiVersion !== '/' && slashes <= 1) {
    gv = slashes === 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, apiVersion.indexOf('/')), version: apiVersion.slice(apiVersion.indexOf('/') + 1) };
  }
  if (!gv.version) errs.push(invalid(path.child('apiVersion'), apiVersion, 'version must not be empty'));
  if (!ref.kind) errs.push(invalid(path.child('kind'), ref.kind ?? '', 'must not be empty'));
  if (!ref.name) errs.push(invalid(path.child('name'), ref.name ?? '', 'must not be empty'));
  if (!ref.uid) errs.push(invalid(path.child('uid'), ref.uid ?? '', 'must not be empty'));
  const gvk = `${gv.group}/${gv.version}, Kind=${ref.kind ?? ''}`;
  if (bannedOwners.has(gvk)) errs.push(invalid(path, ownerRefForMessage(ref), `${gvk} is disallowed from being an owner`));
  return errs;
}

/** Each reference's fields (reported at the list path, as upstream does) and at most one controller. */
export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined | null, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller === true) {
      const current = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      if (firstController) {
        errs.push(invalid(path, (refs ?? []).map(ownerRefForMessage),
          `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

export const FinalizerOrphanDependents = 'orphan';
export const FinalizerDeleteDependents = 'foregroundDeletion';

export function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => invalid(path, name, m));
}

export function validateFinalizers(finalizers: readonly string[] | undefined | null, path: FieldPath): FieldError[] {
  const list = finalizers ?? [];
  const errs: FieldError[] = [];
  for (const f of list) errs.push(...validateFinalizerName(f, path));
  if (list.includes(FinalizerOrphanDependents) && list.includes(FinalizerDeleteDependents)) {
    errs.push(invalid(path, list, `finalizer ${FinalizerOrphanDependents} and ${FinalizerDeleteDependents} cannot be both set`));
  }
  return errs;
}

/** Go's %#v of a []string: `[]string{"a", "b"}`. */
function goStringSlice(list: readonly string[]): string {
  return `[]string{${list.map(goQuote).join(', ')}}`;
}

/** Once deletionTimestamp is set, finalizers may only be removed. */
export function validateNoNewFinalizers(newFinalizers: readonly string[] | undefined | null, oldFinalizers: readonly string[] | undefined | null, path: FieldPath): FieldError[] {
  const old = new Set(oldFinalizers ?? []);
  const extra = [...new Set((newFinalizers ?? []).filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`)];
}

export const FieldManagerMaxLength = 128;
export const MaxSubresourceNameLength = 256;

export function validateFieldManager(manager: string | undefined, path: FieldPath): FieldError[] {
  const m = manager ?? '';
  const errs: FieldError[] = [];
  if (byteLength(m) > FieldManagerMaxLength) errs.push(tooLong(path, '', FieldManagerMaxLength));
  let pos = 0;
  for (const ch of m) {
    if (!isGoPrintable(ch)) {
      const cp = ch.codePointAt(0)!;
      errs.push(invalid(path, m, `invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${pos})`));
    }
    pos += byteLength(ch);
  }
  return errs;
}

/** Entries arrive as decoded JSON, so each is read defensively. */
export function validateManagedFields(entries: readonly unknown[] | undefined | null, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((raw, i) => {
    const e: ManagedFieldsEntry = typeof raw === 'object' && raw !== null ? (raw as ManagedFieldsEntry) : {};
    const p = path.index(i);
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      errs.push(invalid(p.child('operation'), e.operation ?? '', 'must be `Apply` or `Update`'));
    }
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') errs.push(invalid(p.child('fieldsType'), e.fieldsType, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(e.manager, p.child('manager')));
    if (byteLength(e.subresource ?? '') > MaxSubresourceNameLength) errs.push(tooLong(p.child('subresource'), '', MaxSubresourceNameLength));
  });
  return errs;
}

export function validateNonnegativeField(value: number, path: FieldPath): FieldError[] {
  return value < 0 ? [invalid(path, value, IsNegativeErrorMsg)] : [];
}

// ---- ObjectMeta ----

/** What the ObjectMeta validators accept: ObjectMeta, with managed fields still undecoded JSON. */
export type ObjectMetaInput = Omit<ObjectMeta, 'managedFields'> & { managedFields?: readonly unknown[] | null };

export interface ObjectMetaValidationOptions {
  namespaced: boolean;
  nameValidator: NameValidator;
}

/**
 * ObjectMeta on create (upstream's ValidateObjectMeta), after any generateName has produced a
 * name: generateName and name by the resource's rule, namespace required or forbidden,
 * generation, labels, annotations, owner references, finalizers and managed fields.
 */
export function validateObjectMeta(meta: ObjectMetaInput | undefined | null, opts: ObjectMetaValidationOptions, path: FieldPath = FieldPath.root('metadata')): FieldError[] {
  const m: ObjectMetaInput = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of opts.nameValidator(m.generateName, true)) errs.push(invalid(path.child('generateName'), m.generateName, msg));
  }
  if (!m.name) {
    errs.push(required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of opts.nameValidator(m.name, false)) errs.push(invalid(path.child('name'), m.name, msg));
  }
  if (opts.namespaced) {
    if (!m.namespace) errs.push(required(path.child('namespace')));
    else for (const msg of validateNamespaceName(m.namespace, false)) errs.push(invalid(path.child('namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(m.generation ?? 0, path.child('generation')));
  errs.push(...validateLabels(m.labels, path.child('labels')));
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, path.child('finalizers')));
  errs.push(...validateManagedFields(m.managedFields, path.child('managedFields')));
  return errs;
}

/** Upstream's ValidateObjectMetaWithOpts check that a generateName was turned into a name. */
export function validateGeneratedName(meta: ObjectMetaInput, path: FieldPath = FieldPath.root('metadata')): FieldError[] {
  if (meta.generateName && !meta.name) {
    return [internal(path.child('name'), new Error(`generateName was specified (${goQuote(meta.generateName)}), but no name was generated`))];
  }
  return [];
}

const sameTime = (a: string | null | undefined, b: string | null | undefined): boolean => {
  if (!a || !b) return !a && !b;
  if (a === b) return true;
  const ta = Date.parse(a), tb = Date.parse(b);
  return !Number.isNaN(ta) && ta === tb;
};

/** A field that may not change; the new value is the bad value, as upstream reports it. */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: FieldPath): FieldError[] {
  return isDeepEqual(newVal, oldVal) ? [] : [invalid(path, newVal, FieldImmutableErrorMsg)];
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => isDeepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * ObjectMeta on update (upstream's ValidateObjectMetaUpdate): resourceVersion present,
 * generation not decremented, name/namespace/uid/timestamps immutable, no new finalizers once
 * deleting, plus the create-time label/annotation/owner/managed-field checks.
 */
export function validateObjectMetaUpdate(newMeta: ObjectMetaInput | undefined | null, oldMeta: ObjectMetaInput | undefined | null, path: FieldPath = FieldPath.root('metadata')): FieldError[] {
  const n: ObjectMetaInput = newMeta ?? {};
  const o: ObjectMetaInput = oldMeta ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) errs.push(...validateNoNewFinalizers(n.finalizers, o.finalizers, path.child('finalizers')));
  if (!n.resourceVersion) errs.push(invalid(path.child('resourceVersion'), n.resourceVersion ?? '', 'must be specified for an update'));
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(invalid(path.child('generation'), n.generation ?? 0, 'must not be decremented'));
  // Strings compare with "" as their zero value; timestamps compare as instants; pointers with null.
  const str = (v: string | undefined): string => v ?? '';
  errs.push(...validateImmutableField(str(n.name), str(o.name), path.child('name')));
  errs.push(...validateImmutableField(str(n.namespace), str(o.namespace), path.child('namespace')));
  errs.push(...validateImmutableField(str(n.uid), str(o.uid), path.child('uid')));
  if (!sameTime(n.creationTimestamp, o.creationTimestamp)) {
    errs.push(invalid(path.child('creationTimestamp'), n.creationTimestamp || null, FieldImmutableErrorMsg));
  }
  if (!sameTime(n.deletionTimestamp, o.deletionTimestamp)) {
    errs.push(invalid(path.child('deletionTimestamp'), n.deletionTimestamp || null, FieldImmutableErrorMsg));
  }
  errs.push(...validateImmutableField(n.deletionGracePeriodSeconds ?? null, o.deletionGracePeriodSeconds ?? null, path.child('deletionGracePeriodSeconds')));
  errs.push(...validateLabels(n.labels, path.child('labels')));
  errs.push(...validateAnnotations(n.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(n.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateManagedFields(n.managedFields, path.child('managedFields')));
  return errs;
}
