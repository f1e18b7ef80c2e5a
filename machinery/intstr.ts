// IntOrString values resolved against a total, as upstream's intstr.GetScaledValueFromIntOrPercent:
// an integer is itself, "N%" is N percent of the total rounded up or down as the caller needs,
// anything else (including a string of digits) is an error.

export type IntOrString = number | string;

export function scaledValue(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return Math.trunc(v);
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`);
  // The same float64 expression as upstream, so percentages round exactly as there.
  const exact = (Number.parseInt(digits, 10) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export const isPercent = (v: IntOrString | undefined | null): boolean => typeof v === 'string' && v.endsWith('%');
