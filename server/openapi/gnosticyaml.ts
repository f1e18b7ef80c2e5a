// The YAML text gnostic keeps in `Any.yaml` for vendor extensions, defaults, examples and enum
// values of the protobuf OpenAPI v2 document. kube-openapi's proto models (what kubectl reads)
// parse vendor extensions such as x-kubernetes-group-version-kind from that text. gnostic
// fills it with gopkg.in/yaml.v3's Marshal of the JSON-parsed node after clearing its styles
// (compiler.Marshal): block style, 4-space indentation, no line folding, strings quoted only
// where a plain scalar would read back as something else. This writes the same text for JSON
// values, so that our bytes match upstream's.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const BEST_INDENT = 4;

/** yaml.v3's Marshal of a JSON value, as gnostic stores it. */
export function gnosticYaml(value: JsonValue): string {
  if (isBlockCollection(value)) return `${block(value, 0).join('\n')}\n`;
  // A top-level scalar: a literal block's content sits at the best indentation.
  return `${scalarText(value, BEST_INDENT, false)}\n`;
}

function isBlockCollection(v: JsonValue): v is JsonValue[] | { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

/** yaml.v3's indentation for a child of a mapping: the next multiple of the best indent. */
function nextIndent(indent: number): number {
  return BEST_INDENT * Math.floor((indent + BEST_INDENT) / BEST_INDENT);
}

/** A non-empty mapping or sequence as lines, each already indented to its column. */
function block(value: JsonValue[] | { [key: string]: JsonValue }, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    // Inside a sequence item everything is indented past the "- " indicator.
    for (const item of value) {
      if (isBlockCollection(item)) {
        const inner = block(item, indent + 2);
        lines.push(`${pad}- ${inner[0]!.slice(indent + 2)}`, ...inner.slice(1));
      } else {
        lines.push(`${pad}- ${scalarText(item, indent + 2, false)}`);
      }
    }
    return lines;
  }
  for (const [key, item] of Object.entries(value)) {
    if (isComplexKey(key)) {
      // "? key" then ": value", the value's first line continuing after the colon.
      lines.push(`${pad}? ${stringText(key, nextIndent(indent), false)}`);
      if (isBlockCollection(item)) {
        const inner = block(item, nextIndent(indent));
        lines.push(`${pad}:${inner[0]!.slice(indent + 1)}`, ...inner.slice(1));
      } else {
        lines.push(`${pad}: ${scalarText(item, nextIndent(indent), false)}`);
      }
      continue;
    }
    const k = scalarText(key, indent, true);
    if (isBlockCollection(item)) lines.push(`${pad}${k}:`, ...block(item, nextIndent(indent)));
    else lines.push(`${pad}${k}: ${scalarText(item, nextIndent(indent), false)}`);
  }
  return lines;
}

/** libyaml writes a key as a simple `key:` only when it is one line of at most 128 bytes. */
function isComplexKey(key: string): boolean {
  return /[\n\r\u0085\u2028\u2029]/.test(key) || Buffer.byteLength(key) > 128;
}

/**
 * One scalar (or an empty collection, which yaml.v3 writes in flow style). `contentIndent` is
 * where a literal block's lines go; keys are simple keys, which are never literal blocks.
 */
function scalarText(value: JsonValue, contentIndent: number, isKey: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return JSON.stringify(value);
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  return stringText(value, contentIndent, isKey);
}

type Style = 'plain' | 'single' | 'double' | 'literal';

function stringText(s: string, contentIndent: number, isKey: boolean): string {
  const a = analyze(s);
  // The encoder asks for a literal block when the text has a newline, double quotes when a
  // plain scalar would resolve to another type; the emitter then falls back as it must.
  let style: Style = s.includes('\n') ? 'literal' : resolvesToNonString(s) ? 'double' : 'plain';
  if (isKey && a.multiline) style = 'double';
  if (style === 'plain' && (!a.blockPlainAllowed || (s === '' && isKey))) style = 'single';
  if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!a.blockAllowed || isKey)) style = 'double';
  // U+2028/U+2029 are line breaks to YAML: quoted and literal blocks would fold or keep them
  // in ways not reproduced here; double quotes carry them as escapes, with the same value.
  if (a.multiline && /[\u2028\u2029]/.test(s)) style = 'double';
  switch (style) {
    case 'plain': return s;
    case 'single': return `'${s.replaceAll("'", "''")}'`;
    case 'double': return doubleQuoted(s);
    case 'literal': return literal(s, contentIndent);
  }
}

const isBreak = (c: number) => c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
const isSpace = (c: number) => c === 0x20;
const isBlank = (c: number) => c === 0x20 || c === 0x09;
/** libyaml's printable set: what may appear unescaped (with unicode output on). */
const isPrintable = (c: number) =>
  c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

/** The emitter's scalar analysis (which styles can carry this text), for block context. */
function analyze(s: string): Analysis {
  if (s === '') return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  const cps = [...s].map((ch) => ch.codePointAt(0)!);
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const next = cps[i + 1];
    const followedByWhitespace = next === undefined || isBlank(next);
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      else if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) blockIndicators = true;
    } else if (ch === ':' && followedByWhitespace) {
      blockIndicators = true;
    } else if (ch === '#' && precededByWhitespace) {
      blockIndicators = true;
    }
    if (c === 0x09) tabs = true;
    else if (!isPrintable(c)) special = true;
    if (isSpace(c)) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === 0;
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || tabs || special) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || special) blockAllowed = false;
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

const SHORT_ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

function doubleQuoted(s: string): string {
  // libyaml's BOM test looks at the start of the value, not at the current character: a value
  // that starts with U+FEFF has every character escaped.
  const escapeAll = s.startsWith('\ufeff');
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (!escapeAll && isPrintable(c) && !isBreak(c) && c !== 0x22 && c !== 0x5c) {
      out += ch;
      continue;
    }
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) out += `\\${short}`;
    else if (c <= 0xff) out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += `\\U${c.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A literal block (`|`): indentation hint when the text starts blank, then the chomping indicator. */
function literal(s: string, indent: number): string {
  let header = '|';
  if (s.startsWith(' ') || isBreak(s.codePointAt(0)!)) header += String(BEST_INDENT);
  const trailing = /\n*$/.exec(s)![0].length;
  if (trailing === 0) header += '-';
  else if (trailing > 1 || s.length === 1) header += '+';
  const segments = s.split('\n');
  if (trailing > 0) segments.pop();
  // A leading line break ends the header line itself (so yaml.v3 drops it on the way out).
  if (s.startsWith('\n')) segments.shift();
  const pad = ' '.repeat(indent);
  return [header, ...segments.map((line) => (line === '' ? '' : pad + line))].join('\n');
}

const RESOLVED_WORDS = new Set([
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '', '~', 'null', 'Null', 'NULL',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF',
]);

/** Whether yaml.v3 reads this text, unquoted, as a bool, null, number or timestamp (resolve.go). */
export function resolvesToNonString(s: string): boolean {
  const first = s[0];
  if (first === undefined) return true;
  if (!'+-0123456789yYnNtTfFoO~.'.includes(first)) return false;
  if (RESOLVED_WORDS.has(s)) return true;
  if (first === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s) && Number.isFinite(Number(s));
  if (!'+-0123456789'.includes(first)) return false;
  if (isTimestamp(s)) return true;
  const plain = s.replaceAll('_', '');
  if (goParsesAsInteger(plain)) return true;
  return /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain) && Number.isFinite(Number(plain));
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Go's strconv.ParseInt(s, 0, 64), or else ParseUint(s, 0, 64), succeeds. */
function goParsesAsInteger(s: string): boolean {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return false;
  const digits = m[2]!;
  const magnitude = /^0[oO]/.test(digits) ? BigInt(`0o${digits.slice(2)}`)
    : /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`)
    : BigInt(digits);
  if (m[1] === '-') return magnitude <= 1n << 63n;
  return magnitude <= (m[1] === '+' ? (1n << 63n) - 1n : UINT64_MAX);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** yaml.v3 tries these Go layouts: 2006-1-2T15:4:5.999999999Z07:00 (T or t), 2006-1-2 15:4:5.999999999, 2006-1-2. */
function isTimestamp(s: string): boolean {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(s);
  if (!m) return false;
  const [, year, month, day, sep, hour, minute, second, zone] = m;
  if (sep !== undefined && (sep === ' ') === (zone !== undefined)) return false;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]!) return false;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return false;
  if (sep === undefined) return true;
  if (zone !== undefined && zone !== 'Z' && (Number(zone.slice(1, 3)) > 24 || Number(zone.slice(4)) > 60)) return false;
  return Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60;
}
