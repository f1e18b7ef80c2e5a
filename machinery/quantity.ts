// resource.Quantity, as upstream's apimachinery/pkg/api/resource: parsing with its quirks,
// exact arithmetic (a BigInt scaled by a power of ten, so millicores never drift), rounding
// "up" away from zero, and the canonical string form upstream serialises.

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

const splitREString = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ErrFormatWrong = `quantities must match the regular expression '${splitREString}'`;
export const ErrNumeric = 'unable to parse numeric part of quantity';
export const ErrSuffix = "unable to parse quantity's suffix";

export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const maxInt64 = 9223372036854775807n;
/** The smallest scale a parsed quantity keeps (nano); finer values round up to it. */
const nanoScale = -9;

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Divides by 10^n, rounding away from zero (upstream's "round up"). Returns the result and exactness. */
function divRoundUp(v: bigint, n: number): [bigint, boolean] {
  if (n <= 0) return [v * pow10(-n), true];
  if (v === 0n) return [0n, true];
  // Dividing by more digits than v has leaves a fraction only: skip building 10^n (1e-999999999).
  if (n > abs(v).toString().length) return [v > 0n ? 1n : -1n, false];
  const d = pow10(n);
  const q = v / d;
  const r = v % d;
  if (r === 0n) return [q, true];
  return [v > 0n ? q + 1n : q - 1n, false];
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixFor = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixFor = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e, s]));

interface Interpreted { base: 10 | 2; exponent: number; format: QuantityFormat }

function interpretSuffix(s: string): Interpreted | undefined {
  if (Object.hasOwn(decimalSuffixes, s)) return { base: 10, exponent: decimalSuffixes[s]!, format: 'DecimalSI' };
  if (Object.hasOwn(binarySuffixes, s)) return { base: 2, exponent: binarySuffixes[s]!, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const v = BigInt(rest);
    if (v > maxInt64 || v < -maxInt64 - 1n) return undefined;
    // Upstream parses an int64 and keeps its low 32 bits.
    return { base: 10, exponent: Number(BigInt.asIntN(32, v)), format: 'DecimalExponent' };
  }
  return undefined;
}

interface Split { positive: boolean; num: string; denom: string; suffix: string }

/** Upstream's parseQuantityString: sign, integer digits (leading zeros dropped), fraction, suffix. */
function splitQuantity(str: string): Split {
  const end = str.length;
  let pos = 0;
  let positive = true;
  if (str[0] === '-') { positive = false; pos++; } else if (str[0] === '+') pos++;
  while (str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (isDigit(str[i])) i++;
  const num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos]!)) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityParseError(ErrFormatWrong);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/** A resource quantity: the exact value unscaled × 10^scale, and the format its string keeps. */
export class Quantity {
  /**
   * @param cached the text to serialise instead of the canonical form: upstream keeps the input
   * string when it parsed an already-canonical-looking int64 value.
   */
  private constructor(readonly unscaled: bigint, readonly scale: number, readonly format: QuantityFormat, private readonly cached?: string) {}

  /** @internal the one constructor; prefer parseQuantity and the new*Quantity helpers. */
  static of(unscaled: bigint, scale: number, format: QuantityFormat, cached?: string): Quantity {
    return new Quantity(unscaled, scale, format, cached);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled > 0n ? 1 : -1;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return cmp(this, other);
  }

  equal(other: Quantity): boolean {
    return cmp(this, other) === 0;
  }

  /** The sum, in this quantity's format (or the other's when this one is zero). */
  add(other: Quantity): Quantity {
    const m = Math.min(this.scale, other.scale);
    const v = this.unscaled * pow10(this.scale - m) + other.unscaled * pow10(other.scale - m);
    return new Quantity(v, m, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return this.add(other.neg());
  }

  neg(): Quantity {
    return new Quantity(-this.unscaled, this.scale, this.format);
  }

  mul(n: bigint | number): Quantity {
    return new Quantity(this.unscaled * BigInt(n), this.scale, this.format);
  }

  /** The value at 10^scale units, rounded away from zero (upstream's ScaledValue), as a BigInt. */
  scaledValueBigInt(scale: number): bigint {
    return divRoundUp(this.unscaled, scale - this.scale)[0];
  }

  /** The value at 10^scale units, rounded away from zero. */
  scaledValue(scale: number): number {
    return Number(this.scaledValueBigInt(scale));
  }

  /** The value in whole units, rounded up (away from zero): 1500m → 2. */
  value(): number {
    return this.scaledValue(0);
  }

  /** The value in thousandths, rounded up (away from zero): 0.5 → 500, 1n → 1. */
  milliValue(): number {
    return this.scaledValue(-3);
  }

  /** The quantity rounded away from zero to 10^scale units, and whether that was exact. */
  roundUp(scale: number): { quantity: Quantity; exact: boolean } {
    if (this.scale >= scale) return { quantity: this, exact: true };
    const [v, exact] = divRoundUp(this.unscaled, scale - this.scale);
    return { quantity: exact ? this : new Quantity(v, scale, this.format), exact };
  }

  asApproximateFloat64(): number {
    return Number.parseFloat(`${this.unscaled}e${this.scale}`);
  }

  /** Upstream's canonical serialisation (or the input text it kept). */
  toString(): string {
    if (this.cached !== undefined) return this.cached;
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const small = cmpRaw(this.unscaled, this.scale, -1024n, 0) > 0 && cmpRaw(this.unscaled, this.scale, 1024n, 0) < 0;
      if (small || !divRoundUp(this.unscaled, -this.scale)[1]) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let v = divRoundUp(this.unscaled, -this.scale)[0];
      let times = 0;
      while (abs(v) >= 1024n && v % 1024n === 0n) { v /= 1024n; times++; }
      return `${v}${binarySuffixFor.get(times * 10) ?? ''}`;
    }
    let v = this.unscaled;
    let exponent = this.scale;
    while (abs(v) >= 10n && v % 10n === 0n) { v /= 10n; exponent++; }
    while (exponent % 3 !== 0) { v *= 10n; exponent--; }
    if (format === 'DecimalExponent') return exponent === 0 ? `${v}` : `${v}e${exponent}`;
    // Upstream has no suffix beyond E or below n and prints the bare digits there.
    return `${v}${decimalSuffixFor.get(exponent) ?? ''}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Compares unscaled×10^scale values without expanding huge scale differences. */
function cmpRaw(au: bigint, as: number, bu: bigint, bs: number): -1 | 0 | 1 {
  const sa = au === 0n ? 0 : au > 0n ? 1 : -1;
  const sb = bu === 0n ? 0 : bu > 0n ? 1 : -1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const ma = abs(au), mb = abs(bu);
  const da = ma.toString().length + as, db = mb.toString().length + bs;
  let c: number;
  if (da !== db) c = da > db ? 1 : -1;
  else {
    const m = Math.min(as, bs);
    const x = ma * pow10(as - m), y = mb * pow10(bs - m);
    c = x === y ? 0 : x > y ? 1 : -1;
  }
  if (c === 0) return 0;
  return (c * sa) as -1 | 1;
}

export function cmp(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return cmpRaw(a.unscaled, a.scale, b.unscaled, b.scale);
}

export function add(a: Quantity, b: Quantity): Quantity {
  return a.add(b);
}

export function sub(a: Quantity, b: Quantity): Quantity {
  return a.sub(b);
}

/**
 * resource.ParseQuantity. Throws QuantityParseError with upstream's texts. Like upstream, a value
 * that fits an int64 and already looks canonical keeps its input text for serialisation.
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(ErrFormatWrong);
  if (str === '0') return Quantity.of(0n, 0, 'DecimalSI', '0');
  const { positive, num, denom, suffix } = splitQuantity(str);
  const interp = interpretSuffix(suffix);
  if (!interp) throw new QuantityParseError(ErrSuffix);
  const { base, exponent } = interp;
  let { format } = interp;

  // Upstream's fast path: a value that fits an int64 at a scale no finer than nano.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= nanoScale) {
      const shifted = num + denom;
      const value = BigInt(shifted);
      const product = value * mantissa;
      if (product <= maxInt64) {
        const result = positive ? product : -product;
        const keepsText = format === 'BinarySI'
          ? exponent % 10 === 0 && (value & 7n) !== 0n
          : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return Quantity.of(result, scale, format, keepsText ? str : undefined);
      }
    }
  }

  // The general path: exact decimal arithmetic, rounded up to nano.
  let unscaled = BigInt(num + denom);
  let exp10 = -denom.length;
  if (base === 10) exp10 += exponent;
  else unscaled *= 1n << BigInt(exponent);
  if (unscaled !== 0n && exp10 < nanoScale) {
    unscaled = divRoundUp(unscaled, nanoScale - exp10)[0];
    exp10 = nanoScale;
  }
  if (format === 'BinarySI' && cmpRaw(unscaled, exp10, maxInt64, 0) > 0) {
    unscaled = maxInt64;
    exp10 = 0;
  }
  if (format === 'BinarySI' && unscaled !== 0n && cmpRaw(unscaled, exp10, 1n, 0) < 0) format = 'DecimalSI';
  return Quantity.of(positive ? unscaled : -unscaled, exp10, format);
}

export function isQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** resource.MustParse: for constants in code. */
export function mustParseQuantity(s: string): Quantity {
  return parseQuantity(s);
}

export function newQuantity(value: bigint | number, format: QuantityFormat): Quantity {
  return Quantity.of(BigInt(value), 0, format);
}

export function newMilliQuantity(value: bigint | number, format: QuantityFormat): Quantity {
  return Quantity.of(BigInt(value), -3, format);
}

export function newScaledQuantity(value: bigint | number, scale: number): Quantity {
  return Quantity.of(BigInt(value), scale, 'DecimalSI');
}
