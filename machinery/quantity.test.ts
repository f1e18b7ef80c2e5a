import { describe, expect, it } from 'vitest';
import {
  add, cmp, ErrFormatWrong, ErrSuffix, isQuantity, newMilliQuantity, newQuantity, newScaledQuantity, parseQuantity,
  Quantity, QuantityParseError, sub, type QuantityFormat,
} from './quantity.ts';

const q = parseQuantity;

describe('ParseQuantity: value, format and serialised form', () => {
  // [input, serialised, format]. Upstream keeps the input text for int64 values that already
  // look canonical (a scale that is a multiple of 3, no trailing "000", no leading zero digit).
  it.each<[string, string, QuantityFormat]>([
    ['0', '0', 'DecimalSI'],
    ['0n', '0', 'DecimalSI'],
    ['0u', '0', 'DecimalSI'],
    ['0m', '0', 'DecimalSI'],
    ['0Ki', '0', 'BinarySI'],
    ['0k', '0', 'DecimalSI'],
    ['0Mi', '0', 'BinarySI'],
    ['0M', '0', 'DecimalSI'],
    ['0Gi', '0', 'BinarySI'],
    ['0G', '0', 'DecimalSI'],
    ['0Ti', '0', 'BinarySI'],
    ['0T', '0', 'DecimalSI'],
    ['1', '1', 'DecimalSI'],
    // binary suffixes
    ['1Ki', '1Ki', 'BinarySI'],
    ['8Ki', '8Ki', 'BinarySI'],
    ['7Mi', '7Mi', 'BinarySI'],
    ['6Gi', '6Gi', 'BinarySI'],
    ['5Ti', '5Ti', 'BinarySI'],
    ['4Pi', '4Pi', 'BinarySI'],
    ['3Ei', '3Ei', 'BinarySI'],
    ['10Ti', '10Ti', 'BinarySI'],
    ['100Ti', '100Ti', 'BinarySI'],
    ['1000Mi', '1000Mi', 'BinarySI'],
    ['1024Mi', '1Gi', 'BinarySI'],
    ['307200Ki', '300Mi', 'BinarySI'],
    ['1025024Mi', '1001Gi', 'BinarySI'],
    ['1024Gi', '1Ti', 'BinarySI'],
    ['1536Ki', '1536Ki', 'BinarySI'],
    // decimal suffixes
    ['5n', '5n', 'DecimalSI'],
    ['4u', '4u', 'DecimalSI'],
    ['3m', '3m', 'DecimalSI'],
    ['9', '9', 'DecimalSI'],
    ['8k', '8k', 'DecimalSI'],
    ['50k', '50k', 'DecimalSI'],
    ['7M', '7M', 'DecimalSI'],
    ['6G', '6G', 'DecimalSI'],
    ['5T', '5T', 'DecimalSI'],
    ['40T', '40T', 'DecimalSI'],
    ['300T', '300T', 'DecimalSI'],
    ['2P', '2P', 'DecimalSI'],
    ['1E', '1E', 'DecimalSI'],
    ['1000M', '1G', 'DecimalSI'],
    ['0.001T', '1G', 'DecimalSI'],
    ['5000m', '5', 'DecimalSI'],
    ['1000u', '1m', 'DecimalSI'],
    ['1080000000n', '1080m', 'DecimalSI'],
    ['00', '0', 'DecimalSI'],
    // decimal exponents
    ['1E-3', '1E-3', 'DecimalExponent'],
    ['1e3', '1e3', 'DecimalExponent'],
    ['1E6', '1E6', 'DecimalExponent'],
    ['1e9', '1e9', 'DecimalExponent'],
    ['1E12', '1E12', 'DecimalExponent'],
    ['1e15', '1e15', 'DecimalExponent'],
    ['1E18', '1E18', 'DecimalExponent'],
    ['1e14', '100e12', 'DecimalExponent'],
    ['1e13', '10e12', 'DecimalExponent'],
    ['.001e12', '1e9', 'DecimalExponent'],
    ['0.001e0', '1e-3', 'DecimalExponent'],
    ['1000e-12', '1e-9', 'DecimalExponent'],
    ['1e+3', '1e+3', 'DecimalExponent'],
    // things that look like floating point
    ['100.035k', '100.035k', 'DecimalSI'],
    ['0.001', '1m', 'DecimalSI'],
    ['0.0005k', '500m', 'DecimalSI'],
    ['0.005', '5m', 'DecimalSI'],
    ['0.05', '50m', 'DecimalSI'],
    ['0.5', '500m', 'DecimalSI'],
    ['0.00050k', '500m', 'DecimalSI'],
    ['0.00500', '5m', 'DecimalSI'],
    ['0.05000', '50m', 'DecimalSI'],
    ['0.50000', '500m', 'DecimalSI'],
    ['0.5e0', '500e-3', 'DecimalExponent'],
    ['0.5e-1', '50e-3', 'DecimalExponent'],
    ['0.5e-2', '5e-3', 'DecimalExponent'],
    ['10.035M', '10.035M', 'DecimalSI'],
    ['1.2e3', '1200', 'DecimalExponent'],
    ['1.3E+6', '1300e3', 'DecimalExponent'],
    ['1.40e9', '1400e6', 'DecimalExponent'],
    ['1.53E12', '1530e9', 'DecimalExponent'],
    ['1.6e15', '1600e12', 'DecimalExponent'],
    ['1.7E18', '1700e15', 'DecimalExponent'],
    ['9.01', '9010m', 'DecimalSI'],
    ['8.1k', '8100', 'DecimalSI'],
    ['7.123456M', '7.123456M', 'DecimalSI'],
    ['6.987654321G', '6.987654321G', 'DecimalSI'],
    ['5.444T', '5.444T', 'DecimalSI'],
    ['40.1T', '40100G', 'DecimalSI'],
    ['300.2T', '300200G', 'DecimalSI'],
    ['2.5P', '2500T', 'DecimalSI'],
    ['1.01E', '1010P', 'DecimalSI'],
    ['1.08', '1080m', 'DecimalSI'],
    // things that round up to nano or saturate
    ['3.001n', '4n', 'DecimalSI'],
    ['1.1E-9', '2e-9', 'DecimalExponent'],
    ['0.0000000001', '1n', 'DecimalSI'],
    ['0.0000000005', '1n', 'DecimalSI'],
    ['0.00000000050', '1n', 'DecimalSI'],
    ['0.5e-9', '1e-9', 'DecimalExponent'],
    ['0.9n', '1n', 'DecimalSI'],
    ['0.00000012345', '124n', 'DecimalSI'],
    ['0.00000012354', '124n', 'DecimalSI'],
    ['9Ei', '9223372036854775807', 'BinarySI'],
    ['8Ei', '9223372036854775807', 'BinarySI'],
    ['9223372036854775807Ki', '9223372036854775807', 'BinarySI'],
    ['12E', '12E', 'DecimalSI'],
    // fractional binary quantities
    ['1.5Gi', '1536Mi', 'BinarySI'],
    ['100.035Ki', '102435840m', 'BinarySI'],
    ['0.5Mi', '512Ki', 'BinarySI'],
    ['0.05Gi', '53687091200m', 'BinarySI'],
    ['0.025Ti', '27487790694400m', 'BinarySI'],
    ['.001Ki', '1024m', 'BinarySI'],
    ['.000001Ki', '1024u', 'DecimalSI'],
    ['.000000001Ki', '1024n', 'DecimalSI'],
    ['.000000000001Ki', '2n', 'DecimalSI'],
    // things written by trolls
    ['.001', '1m', 'DecimalSI'],
    ['.0001k', '100m', 'DecimalSI'],
    ['1.', '1.', 'DecimalSI'],
    ['1.G', '1.G', 'DecimalSI'],
    ['01', '01', 'DecimalSI'],
    ['-', '0', 'DecimalSI'],
    // signs
    ['-1Ki', '-1Ki', 'BinarySI'],
    ['-1024Mi', '-1Gi', 'BinarySI'],
    ['-0.5', '-500m', 'DecimalSI'],
    ['-1.5Gi', '-1536Mi', 'BinarySI'],
    ['-100m', '-100m', 'DecimalSI'],
    ['+1', '+1', 'DecimalSI'],
    ['+0.5', '500m', 'DecimalSI'],
    ['-0', '0', 'DecimalSI'],
    // upstream has no decimal suffix beyond E and prints the bare digits
    ['1000E', '1', 'DecimalSI'],
    // a tiny exponent rounds up to nano without expanding 10^n
    ['1e-999999999', '1e-9', 'DecimalExponent'],
  ])('%s serialises as %s (%s)', (input, serialised, format) => {
    const got = q(input);
    expect(got.toString()).toBe(serialised);
    expect(got.format).toBe(format);
    expect(JSON.stringify({ v: got })).toBe(JSON.stringify({ v: serialised }));
  });

  it('keeps exact values across the int64 and big-decimal paths', () => {
    expect(q('100.035k').equal(q('100035'))).toBe(true);
    expect(q('1.G').equal(q('1G'))).toBe(true);
    expect(q('9Ei').equal(q('9223372036854775807'))).toBe(true);
    expect(q('0.05Gi').cmp(q('53687091.2'))).toBe(0);
    expect(q('1000E').equal(q('1e21'))).toBe(true);
  });

  it.each<[string, string]>([
    ['', ErrFormatWrong],
    ['1.1.M', ErrFormatWrong],
    ['1+1.0M', ErrFormatWrong],
    ['0.1am', ErrFormatWrong],
    ['aoeu', ErrFormatWrong],
    [' 1', ErrFormatWrong],
    ['1 ', ErrFormatWrong],
    ['1e3.5', ErrFormatWrong],
    ['0.1mi', ErrSuffix],
    ['.5i', ErrSuffix],
    ['1i', ErrSuffix],
    ['-3.01i', ErrSuffix],
    ['-3.01e-', ErrSuffix],
    ['1e', ErrSuffix],
    ['1k3', ErrSuffix],
    ['1Ki1', ErrSuffix],
    ['1KB', ErrFormatWrong],
  ])('rejects %j', (input, message) => {
    expect(() => q(input)).toThrow(QuantityParseError);
    expect(() => q(input)).toThrow(message);
    expect(isQuantity(input)).toBe(false);
  });

  it("gives upstream's regular-expression message", () => {
    expect(ErrFormatWrong).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(isQuantity('500m')).toBe(true);
  });
});

describe('Quantity.String of constructed quantities', () => {
  it.each<[Quantity, string]>([
    [newQuantity(1024 * 1024 * 1024, 'BinarySI'), '1Gi'],
    [newQuantity(300 * 1024 * 1024, 'BinarySI'), '300Mi'],
    [newQuantity(6 * 1024, 'BinarySI'), '6Ki'],
    [newQuantity(1001 * 1024 * 1024 * 1024, 'BinarySI'), '1001Gi'],
    [newQuantity(1024 * 1024 * 1024 * 1024, 'BinarySI'), '1Ti'],
    [newQuantity(5, 'BinarySI'), '5'],
    [newMilliQuantity(500, 'BinarySI'), '500m'],
    [newScaledQuantity(1, 9), '1G'],
    [newScaledQuantity(1000, 6), '1G'],
    [newScaledQuantity(1000000, 3), '1G'],
    [newScaledQuantity(1000000000, 0), '1G'],
    [newScaledQuantity(1, -3), '1m'],
    [newScaledQuantity(80, -3), '80m'],
    [newScaledQuantity(1080, -3), '1080m'],
    [newScaledQuantity(108, -2), '1080m'],
    [newScaledQuantity(10800, -4), '1080m'],
    [newScaledQuantity(300, 6), '300M'],
    [newScaledQuantity(1, 12), '1T'],
    [newScaledQuantity(1234567, 6), '1234567M'],
    [newMilliQuantity(1234567, 'BinarySI'), '1234567m'],
    [newScaledQuantity(3, 3), '3k'],
    [newQuantity(1025, 'BinarySI'), '1025'],
    [newQuantity(0, 'DecimalSI'), '0'],
    [newQuantity(0, 'BinarySI'), '0'],
    [Quantity.of(1n, 9, 'DecimalExponent'), '1e9'],
    [Quantity.of(1n, -3, 'DecimalExponent'), '1e-3'],
    [Quantity.of(1n, -9, 'DecimalExponent'), '1e-9'],
    [Quantity.of(80n, -3, 'DecimalExponent'), '80e-3'],
    [Quantity.of(300n, 6, 'DecimalExponent'), '300e6'],
    [Quantity.of(1n, 12, 'DecimalExponent'), '1e12'],
    [Quantity.of(3n, 3, 'DecimalExponent'), '3e3'],
    [Quantity.of(0n, 0, 'DecimalExponent'), '0'],
    [newScaledQuantity(1, -9), '1n'],
    [newScaledQuantity(80, -9), '80n'],
    [newScaledQuantity(1080, -9), '1080n'],
    [newScaledQuantity(108, -8), '1080n'],
    [newScaledQuantity(10800, -10), '1080n'],
    [newScaledQuantity(1, -6), '1u'],
    [newScaledQuantity(80, -6), '80u'],
    [newScaledQuantity(1080, -6), '1080u'],
  ])('%s', (quantity, want) => {
    expect(quantity.toString()).toBe(want);
    if (!quantity.isZero()) expect(quantity.neg().toString()).toBe('-' + want);
    const reparsed = q(want);
    expect(reparsed.equal(quantity)).toBe(true);
    expect(reparsed.toString()).toBe(want);
  });
});

describe('comparison and arithmetic', () => {
  it.each<[string, string, number]>([
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
    ['1', '1000m', 0],
    ['1Ki', '1024', 0],
    ['1Gi', '1G', 1],
    ['-1', '1m', -1],
    ['-1', '-2', 1],
    ['1e1000000', '1', 1],
    ['1e-3', '1e1000000', -1],
    ['-1e1000000', '-1', -1],
    ['999999999999999999999', '1000000000000000000000', -1],
    ['-5', '-5000m', 0],
  ])('cmp(%s, %s) is %i', (a, b, want) => {
    expect(cmp(q(a), q(b))).toBe(want);
    expect(q(b).cmp(q(a))).toBe(want === 0 ? 0 : -want);
  });

  it.each<[string, string, string]>([
    ['100m', '200m', '300m'],
    ['1', '500m', '1500m'],
    ['1Gi', '512Mi', '1536Mi'],
    ['0', '1Gi', '1Gi'],
    ['1Gi', '0', '1Gi'],
    ['100m', '0', '100m'],
    ['0', '100m', '100m'],
    ['10', '1e1', '20'],
    ['10', '1Ki', '1034'],
    ['1Ki', '10', '1034'],
    ['0.1', '0.2', '300m'],
    ['1n', '1', '1000000001n'],
  ])('%s + %s = %s', (a, b, want) => {
    expect(add(q(a), q(b)).toString()).toBe(want);
  });

  it('keeps the receiver format unless it is zero', () => {
    expect(q('10').add(q('1Ki')).format).toBe('DecimalSI');
    expect(q('1Ki').add(q('10')).format).toBe('BinarySI');
    expect(q('0').add(q('1Ki')).format).toBe('BinarySI');
  });

  it.each<[string, string, string]>([
    ['1', '300m', '700m'],
    ['0', '100m', '-100m'],
    ['100m', '0', '100m'],
    ['1Gi', '1Gi', '0'],
    ['10', '1e1', '0'],
    ['2Gi', '512Mi', '1536Mi'],
    ['0', '1Gi', '-1Gi'],
  ])('%s - %s = %s', (a, b, want) => {
    expect(sub(q(a), q(b)).toString()).toBe(want);
  });

  it('adds and subtracts back to zero across scales without drift', () => {
    let total = q('0');
    const parts = ['1m', '3n', '7Ki', '0.1', '2.5Gi', '13u', '1e3'];
    for (const p of parts) total = total.add(q(p));
    for (const p of parts) total = total.sub(q(p));
    expect(total.isZero()).toBe(true);
    let cpu = q('0');
    for (let i = 0; i < 10; i++) cpu = cpu.add(q('0.1'));
    expect(cpu.toString()).toBe('1');
  });

  it('multiplies by integers and negates', () => {
    expect(q('10').mul(10).toString()).toBe('100');
    expect(q('-50').mul(-50).toString()).toBe('2500');
    expect(q('1Gi').mul(3).toString()).toBe('3Gi');
    expect(q('500m').mul(0n).toString()).toBe('0');
    expect(q('10Ki').neg().toString()).toBe('-10Ki');
    expect(q('0').neg().toString()).toBe('0');
  });
});

describe('scaled values round up (away from zero)', () => {
  it.each<[string, number, number]>([
    ['0.5', 500, 1],
    ['500m', 500, 1],
    ['1n', 1, 1],
    ['-1n', -1, -1],
    ['1.5', 1500, 2],
    ['1500m', 1500, 2],
    ['-1500m', -1500, -2],
    ['2', 2000, 2],
    ['100m', 100, 1],
    ['1Gi', 1073741824000, 1073741824],
    ['0.5Mi', 524288000, 524288],
    ['1k', 1000000, 1000],
    ['0', 0, 0],
  ])('%s has milliValue %i and value %i', (input, milli, value) => {
    expect(q(input).milliValue()).toBe(milli);
    expect(q(input).value()).toBe(value);
  });

  it.each<[number, number, bigint]>([
    [-9, -9, 1n], [-9, -6, 1n], [-9, -3, 1n], [-9, 0, 1n],
    [-6, -9, 1000n], [-6, -6, 1n], [-6, -3, 1n], [-6, 0, 1n],
    [-3, -9, 1000000n], [-3, -6, 1000n], [-3, -3, 1n], [-3, 0, 1n],
    [0, -9, 1000000000n], [0, -6, 1000000n], [0, -3, 1000n], [0, 0, 1n],
    [2, -2, 10000n],
  ])('one unit at scale %i is %s at scale %i', (from, to, want) => {
    expect(newScaledQuantity(1, from).scaledValueBigInt(to)).toBe(want);
  });

  it.each<[string, number, string, boolean]>([
    ['9.01', -3, '9010m', true],
    ['9.01', -2, '9010m', true],
    ['9.01', -1, '9100m', false],
    ['9.01', 0, '10', false],
    ['9.01', 1, '10', false],
    ['9.01', 2, '100', false],
    ['-9.01', -3, '-9010m', true],
    ['-9.01', -1, '-9100m', false],
    ['-9.01', 0, '-10', false],
    ['-9.01', 2, '-100', false],
  ])('RoundUp(%s, scale %i) is %s, exact=%s', (input, scale, want, exact) => {
    const r = q(input).roundUp(scale);
    expect(r.quantity.equal(q(want))).toBe(true);
    expect(r.exact).toBe(exact);
  });

  it('approximates as a float', () => {
    expect(q('1500m').asApproximateFloat64()).toBe(1.5);
    expect(q('1Ki').asApproximateFloat64()).toBe(1024);
    expect(q('-5n').asApproximateFloat64()).toBe(-5e-9);
  });
});
