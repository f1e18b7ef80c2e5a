import { describe, it, expect } from 'vitest';
import { parseRequestInfo, queryBool } from './requestinfo.ts';

describe('boolean query parameters, as upstream parameter codec reads them', () => {
  it('is true when present unless "0" or "false" in any case', () => {
    const q = new URLSearchParams('a=true&b=True&c=1&d=&e=yes&f=false&g=FALSE&h=0');
    expect(['a', 'b', 'c', 'd', 'e'].map((n) => queryBool(q, n))).toEqual([true, true, true, true, true]);
    expect(['f', 'g', 'h', 'missing'].map((n) => queryBool(q, n))).toEqual([false, false, false, false]);
  });

  it('makes watch=True (the Python client) a watch and watch=false a list', () => {
    const verb = (query: string) => parseRequestInfo('GET', '/api/v1/namespaces/d/configmaps', new URLSearchParams(query)).verb;
    expect(verb('watch=True')).toBe('watch');
    expect(verb('watch=1')).toBe('watch');
    expect(verb('watch=false')).toBe('list');
    expect(verb('watch=0')).toBe('list');
  });
});

describe('request paths', () => {
  it('reads the decoded path, so an escaped colon in a name is the colon', () => {
    const info = parseRequestInfo('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Acoredns', new URLSearchParams());
    expect(info.name).toBe('system:coredns');
    expect(parseRequestInfo('GET', '/api/v1/namespaces/d/configmaps/bad%zz', new URLSearchParams()).name).toBe('bad%zz');
  });
});
