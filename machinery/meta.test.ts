import { describe, expect, it } from 'vitest';
import {
  formatRFC3339, formatRFC3339Micro, groupVersionString, newUID, nowRFC3339, objectKey, parseGroupVersion, splitObjectKey,
} from './meta.ts';

describe('object keys (cache.MetaNamespaceKeyFunc)', () => {
  it.each<[string | undefined, string, string]>([
    ['default', 'web', 'default/web'],
    ['', 'node-1', 'node-1'],
    [undefined, 'node-1', 'node-1'],
  ])('keys %s/%s as %s', (ns, name, key) => {
    expect(objectKey(ns, name)).toBe(key);
  });

  it('splits keys back', () => {
    expect(splitObjectKey('default/web')).toEqual({ namespace: 'default', name: 'web' });
    expect(splitObjectKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
    expect(() => splitObjectKey('a/b/c')).toThrow('unexpected key format: "a/b/c"');
  });
});

describe('timestamps', () => {
  it('writes metav1.Time as RFC 3339 UTC with whole seconds', () => {
    const at = new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 999));
    expect(nowRFC3339(() => at)).toBe('2006-01-02T15:04:05Z');
    expect(formatRFC3339(new Date(Date.UTC(2024, 11, 31, 23, 59, 59)))).toBe('2024-12-31T23:59:59Z');
  });

  it('defaults to the current time', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const t = Date.parse(nowRFC3339());
    expect(t).toBeGreaterThanOrEqual(before);
    expect(nowRFC3339()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('writes metav1.MicroTime with six fractional digits', () => {
    expect(formatRFC3339Micro(new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 123)))).toBe('2006-01-02T15:04:05.123000Z');
  });
});

describe('UIDs', () => {
  it('are random version 4 UUIDs', () => {
    const a = newUID();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newUID()).not.toBe(a);
  });
});

describe('schema.ParseGroupVersion', () => {
  it.each<[string, string, string]>([
    ['apps/v1', 'apps', 'v1'],
    ['v1', '', 'v1'],
    ['rbac.authorization.k8s.io/v1', 'rbac.authorization.k8s.io', 'v1'],
    ['', '', ''],
    ['/', '', ''],
    ['apps/', 'apps', ''],
  ])('parses %j', (gv, group, version) => {
    expect(parseGroupVersion(gv)).toEqual({ group, version });
  });

  it('refuses more than one slash', () => {
    expect(() => parseGroupVersion('a/b/c')).toThrow('unexpected GroupVersion string: a/b/c');
  });

  it.each<[string, string, string]>([
    ['apps', 'v1', 'apps/v1'],
    ['', 'v1', 'v1'],
  ])('prints %s %s as %s', (group, version, want) => {
    expect(groupVersionString({ group, version })).toBe(want);
  });
});
