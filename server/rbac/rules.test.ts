import { describe, expect, it } from 'vitest';
import { compactString, covers, describeMissing, ruleAllows, rulesEqual, type Attributes, type PolicyRule } from './rules.ts';

const jane = { name: 'jane', groups: ['system:authenticated'] };

function res(verb: string, resource: string, opts: Partial<Attributes> = {}): Attributes {
  return { user: jane, verb, isResourceRequest: true, path: '', namespace: 'default', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', ...opts };
}

const url = (verb: string, path: string): Attributes => ({ ...res(verb, ''), isResourceRequest: false, path });

describe('rule matching (upstream RuleAllows)', () => {
  it('matches verbs, groups and resources exactly or by "*"', () => {
    const r: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
    expect(ruleAllows(res('get', 'pods'), r)).toBe(true);
    expect(ruleAllows(res('delete', 'pods'), r)).toBe(false);
    expect(ruleAllows(res('get', 'pods', { apiGroup: 'apps' }), r)).toBe(false);
    expect(ruleAllows(res('get', 'services'), r)).toBe(false);
    expect(ruleAllows(res('delete', 'deployments', { apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe(true);
  });

  it('treats a subresource as "resource/sub": pods does not grant pods/log, "*/scale" grants any scale', () => {
    const pods: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    expect(ruleAllows(res('get', 'pods', { subresource: 'log' }), pods)).toBe(false);
    expect(ruleAllows(res('get', 'pods', { subresource: 'log' }), { ...pods, resources: ['pods/log'] })).toBe(true);
    const scale: PolicyRule = { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] };
    expect(ruleAllows(res('get', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), scale)).toBe(true);
    expect(ruleAllows(res('get', 'deployments', { apiGroup: 'apps', subresource: 'status' }), scale)).toBe(false);
    expect(ruleAllows(res('get', 'deployments', { apiGroup: 'apps' }), scale)).toBe(false);
  });

  it('restricts to resourceNames when given, so an unnamed list does not match', () => {
    const r: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] };
    expect(ruleAllows(res('get', 'configmaps', { name: 'cfg' }), r)).toBe(true);
    expect(ruleAllows(res('get', 'configmaps', { name: 'other' }), r)).toBe(false);
    expect(ruleAllows(res('list', 'configmaps'), r)).toBe(false);
  });

  it('matches non-resource URLs exactly, by a trailing "*" prefix, or "*"', () => {
    const r: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    expect(ruleAllows(url('get', '/healthz'), r)).toBe(true);
    expect(ruleAllows(url('get', '/healthz/etcd'), r)).toBe(false);
    expect(ruleAllows(url('get', '/apis/apps/v1'), r)).toBe(true);
    expect(ruleAllows(url('get', '/apis'), r)).toBe(false);
    expect(ruleAllows(url('post', '/healthz'), r)).toBe(false);
    expect(ruleAllows(url('get', '/anything'), { verbs: ['*'], nonResourceURLs: ['*'] })).toBe(true);
    // A resource rule never matches a path, and a URL rule never a resource.
    expect(ruleAllows(res('get', 'pods'), r)).toBe(false);
  });
});

describe('covers (upstream policy comparator)', () => {
  it('covers what "*" covers, "*/sub" covers subresources, and names under unnamed rules', () => {
    const owner: PolicyRule[] = [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] },
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] },
      { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
    ];
    expect(covers(owner, [{ verbs: ['list'], apiGroups: [''], resources: ['pods', 'pods/status', 'services/status'] }]).covered).toBe(true);
    expect(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }]).covered).toBe(true);
    expect(covers(owner, [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }]).covered).toBe(true);
    expect(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['escalate'], apiGroups: ['x'], resources: ['y/z'] }]).covered).toBe(true);
  });

  it('reports missing rules broken down to one verb, resource and name each', () => {
    const owner: PolicyRule[] = [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }];
    const { covered, missing } = covers(owner, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }]);
    expect(covered).toBe(false);
    // A named rule does not cover the unnamed one.
    expect(missing).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
      { verbs: ['list'], apiGroups: [''], resources: ['secrets'] },
    ]);
  });
});

describe('escalation texts', () => {
  it('renders rules as upstream CompactString does', () => {
    expect(compactString({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] })).toBe('{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}');
    expect(compactString({ verbs: ['get'], nonResourceURLs: ['/x'] })).toBe('{NonResourceURLs:["/x"], Verbs:["get"]}');
    expect(compactString({ verbs: ['get'], apiGroups: [''], resources: ['cm'], resourceNames: ['n'] })).toBe('{APIGroups:[""], Resources:["cm"], ResourceNames:["n"], Verbs:["get"]}');
  });

  it('compacts missing rules by group and resource and sorts the lines', () => {
    const { missing } = covers([], [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets', 'configmaps'] },
      { verbs: ['get'], nonResourceURLs: ['/metrics'] },
    ]);
    expect(describeMissing(missing)).toBe([
      '{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "list"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    ].join('\n'));
  });

  it('compares rules as values, empty lists equal to missing ones', () => {
    expect(rulesEqual({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] })).toBe(true);
    expect(rulesEqual({ verbs: ['get'] }, { verbs: ['list'] })).toBe(false);
  });
});
