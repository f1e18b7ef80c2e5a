// How Go renders values inside upstream's messages: `%q` for strings, `%v` for numbers and
// json.Marshal for everything else. Upstream texts embed these renderings, so matching them
// byte for byte needs the same rules (strconv.Quote, strconv.FormatFloat 'g', encoding/json).

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export function isGoPrintable(ch: string): boolean {
  return printable.test(ch);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** strconv.Quote: a double-quoted Go string literal, the form `%q` prints. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') { out += '\\' + ch; continue; }
    if (cp >= 0xd800 && cp <= 0xdfff) { out += '\\ufffd'; continue; } // a lone surrogate is not valid UTF-8
    if (isGoPrintable(ch)) { out += ch; continue; }
    switch (ch) {
      case '\x07': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\v': out += '\\v'; break;
      default:
        if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
        else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
        else out += '\\U' + hex(cp, 8);
    }
  }
  return out + '"';
}

/** strconv.FormatFloat(f, 'g', -1, 64), which `%v` uses for a float64. */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  // Shortest round-trip digits, as Go's shortest formatting finds them.
  const [mant, expStr] = Math.abs(f).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  const sign = f < 0 ? '-' : '';
  // Shortest formatting decides between %e and %f with precision 6: 1e+06, 100000, 1e-05.
  const eprec = 6;
  if (exp < -4 || exp >= eprec) {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** encoding/json's output: like JSON.stringify, but with <, >, &, U+2028 and U+2029 escaped. */
export function goJSON(v: unknown): string | undefined {
  const s = JSON.stringify(v, (_k, val: unknown) => (typeof val === 'bigint' ? Number(val) : val));
  if (s === undefined) return undefined;
  return s.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + hex(c.charCodeAt(0), 4));
}

/** Length in bytes of the UTF-8 encoding, which is what Go's len(string) counts. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Go's string ordering (bytewise over UTF-8), for sort.Strings. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** strconv.ParseInt(s, 10, 64) succeeding: an optional sign, decimal digits, within int64. */
export function parseGoInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return v;
}
