// Timestamps as upstream serialises metav1.Time: RFC 3339, second precision, UTC.
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
