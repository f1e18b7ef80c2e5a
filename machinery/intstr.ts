// IntOrString values resolved against a total, as upstream's intstr.GetScaledValueFromIntOrPercent:
// an integer is itself, "N%" is N percent of the total rounded up or down as the caller needs.

export type IntOrString = number | string;

export function scaledValue(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export const isPercent = (v: IntOrString | undefined | null): boolean => typeof v === 'string' && v.endsWith('%');
