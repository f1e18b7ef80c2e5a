// networking.k8s.io/v1 through HTTP: ingresses (and their status), ingressclasses and
// networkpolicies — defaults, validation causes and Tables.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { ingresses } from './v1/ingresses.ts';
import { ingressclasses } from './v1/ingressclasses.ts';
import { networkpolicies } from './v1/networkpolicies.ts';

let t: TestApi;
beforeAll(async () => { t = await startApi([ingresses, ingressclasses, networkpolicies]); });
afterAll(async () => { await t.close(); });

const backend = { service: { name: 'web', port: { number: 80 } } };
const rule = (host: string, path: Record<string, unknown> = {}) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend, ...path }] } });

describe('ingresses', () => {
  it('creates with an empty load-balancer status and generation 1, ignores status on update, writes status via /status', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(ingresses, 'default')).set(auth)
      .send({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i1' }, spec: { rules: [rule('a.example.com')] }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }).expect(201);
    expect(created.body.status).toEqual({ loadBalancer: {} });
    expect(created.body.metadata.generation).toBe(1);
    const updated = await request(app).put(t.url(ingresses, 'default', 'i1')).set(auth)
      .send({ ...created.body, spec: { rules: [rule('b.example.com')] }, status: { loadBalancer: { ingress: [{ ip: '9.9.9.9' }] } } }).expect(200);
    expect(updated.body.status).toEqual({ loadBalancer: {} });
    expect(updated.body.metadata.generation).toBe(2);
    const status = await request(app).put(t.url(ingresses, 'default', 'i1', 'status')).set(auth)
      .send({ ...updated.body, status: { loadBalancer: { ingress: [{ ip: '10.1.2.3' }] } } }).expect(200);
    expect(status.body.status.loadBalancer.ingress).toEqual([{ ip: '10.1.2.3' }]);
    const bad = await request(app).put(t.url(ingresses, 'default', 'i1', 'status')).set(auth)
      .send({ ...status.body, status: { loadBalancer: { ingress: [{ ip: 'not-an-ip' }] } } }).expect(422);
    expect(bad.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'status.loadBalancer.ingress[0].ip', message: 'Invalid value: "not-an-ip": must be a valid IP address' });
    const list = await request(app).get(t.url(ingresses, 'default')).set(auth).expect(200);
    expect(list.body.kind).toBe('IngressList');
    await request(app).delete(t.url(ingresses, 'default', 'i1')).set(auth).expect(200);
  });

  it('prints Name, Class, Hosts, Address, Ports and Age', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(ingresses, 'default')).set(auth)
      .send({ metadata: { name: 'tbl' }, spec: { ingressClassName: 'nginx', tls: [{ hosts: ['a.example.com'] }], rules: [rule('a.example.com'), rule('b.example.com'), rule('c.example.com'), rule('d.example.com')] } }).expect(201);
    await request(app).put(t.url(ingresses, 'default', 'tbl', 'status')).set(auth)
      .send({ ...created.body, status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.1' }] } } }).expect(200);
    const table = await tableOf(t, t.url(ingresses, 'default', 'tbl'));
    expect(table.columns).toEqual(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    expect(table.rows[0]!.slice(0, 5)).toEqual(['tbl', 'nginx', 'a.example.com,b.example.com,c.example.com + 1 more...', '10.0.0.1,10.0.0.2,lb.example.com', '80, 443']);
  });

  const ing = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ metadata: { name: 'bad', ...metadata }, spec });
  it.each([
    { name: 'neither rules nor a default backend', body: ing({}), field: 'spec', message: 'Invalid value: null: either `defaultBackend` or `rules` must be specified' },
    { name: 'a path without pathType', body: ing({ rules: [rule('a.example.com', { pathType: undefined })] }), field: 'spec.rules[0].http.paths[0].pathType', message: 'Required value: pathType must be specified' },
    { name: 'an unknown pathType', body: ing({ rules: [rule('a.example.com', { pathType: 'Regex' })] }), field: 'spec.rules[0].http.paths[0].pathType', message: 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"' },
    { name: 'a relative Prefix path', body: ing({ rules: [rule('a.example.com', { path: 'api' })] }), field: 'spec.rules[0].http.paths[0].path', message: 'Invalid value: "api": must be an absolute path' },
    { name: 'a path with //', body: ing({ rules: [rule('a.example.com', { path: '/a//b' })] }), field: 'spec.rules[0].http.paths[0].path', message: 'Invalid value: "/a//b": must not contain \'//\'' },
    { name: 'an IP host', body: ing({ rules: [rule('10.0.0.1')] }), field: 'spec.rules[0].host', message: 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address' },
    { name: 'a service name that is not a DNS-1035 label', body: ing({ defaultBackend: { service: { name: '1web', port: { number: 80 } } } }), field: 'spec.defaultBackend.service.name', message: 'Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')' },
    { name: 'both a port name and number', body: ing({ defaultBackend: { service: { name: 'web', port: { name: 'http', number: 80 } } } }), field: 'spec.defaultBackend', message: 'Invalid value: "": cannot set both port name & port number' },
    { name: 'a backend without a port', body: ing({ defaultBackend: { service: { name: 'web' } } }), field: 'spec.defaultBackend', message: 'Required value: port name or number is required' },
    { name: 'an empty backend', body: ing({ defaultBackend: {} }), field: 'spec.defaultBackend', message: 'Invalid value: "": resource or service backend is required' },
    { name: 'a bad TLS secret name', body: ing({ defaultBackend: backend, tls: [{ secretName: 'Bad_Secret' }] }), field: 'spec.tls[0].secretName', message: 'Invalid value: "Bad_Secret": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')' },
    { name: 'a class annotation that disagrees', body: ing({ defaultBackend: backend, ingressClassName: 'a' }, { annotations: { 'kubernetes.io/ingress.class': 'b' } }), field: 'annotations.kubernetes.io/ingress.class', message: 'Invalid value: "b": must match `ingressClassName` when both are specified' },
  ])('rejects $name', async (c) => {
    await expectInvalid(t, { ...c, def: ingresses });
  });
});

describe('ingressclasses', () => {
  it('defaults parameters.scope to Cluster, keeps the controller immutable, and prints its columns', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(ingressclasses)).set(auth)
      .send({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } }).expect(201);
    expect(created.body.spec.parameters.scope).toBe('Cluster');
    const res = await request(app).put(t.url(ingressclasses, '', 'nginx')).set(auth).send({ ...created.body, spec: { ...created.body.spec, controller: 'example.com/other' } }).expect(422);
    expect(res.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'spec.controller', message: 'Invalid value: "example.com/other": field is immutable' });
    const table = await tableOf(t, t.url(ingressclasses, '', 'nginx'));
    expect(table.columns).toEqual(['Name', 'Controller', 'Parameters', 'Age']);
    expect(table.rows[0]!.slice(0, 3)).toEqual(['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/p']);
    await request(app).delete(t.url(ingressclasses, '', 'nginx')).set(auth).expect(200);
  });

  const ic = (spec: Record<string, unknown>) => ({ metadata: { name: 'bad' }, spec });
  it.each([
    { name: 'no controller', body: ic({}), field: 'spec.controller', message: 'Required value' },
    { name: 'a controller without a domain', body: ic({ controller: 'nginx' }), field: 'spec.controller', message: 'Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")' },
    { name: 'parameters without a kind', body: ic({ controller: 'a.io/c', parameters: { name: 'p' } }), field: 'spec.parameters.kind', message: 'Required value' },
    { name: 'namespaced parameters without a namespace', body: ic({ controller: 'a.io/c', parameters: { kind: 'K', name: 'p', scope: 'Namespace' } }), field: 'spec.parameters.namespace', message: "Required value: `parameters.scope` is set to 'Namespace'" },
    { name: 'cluster parameters with a namespace', body: ic({ controller: 'a.io/c', parameters: { kind: 'K', name: 'p', scope: 'Cluster', namespace: 'x' } }), field: 'spec.parameters.namespace', message: "Forbidden: `parameters.scope` is set to 'Cluster'" },
    { name: 'an unknown scope', body: ic({ controller: 'a.io/c', parameters: { kind: 'K', name: 'p', scope: 'Global' } }), field: 'spec.parameters.scope', message: 'Unsupported value: "Global": supported values: "Cluster", "Namespace"' },
  ])('rejects $name', async (c) => {
    await expectInvalid(t, { ...c, def: ingressclasses });
  });
});

describe('networkpolicies', () => {
  it('defaults policyTypes and port protocols, bumps the generation on spec changes, and prints Pod-Selector', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(networkpolicies, 'default')).set(auth).send({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 80 }] }], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] },
    }).expect(201);
    expect(created.body.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(created.body.spec.ingress[0].ports).toEqual([{ port: 80, protocol: 'TCP' }]);
    expect(created.body.metadata.generation).toBe(1);
    const updated = await request(app).put(t.url(networkpolicies, 'default', 'np')).set(auth)
      .send({ ...created.body, spec: { ...created.body.spec, ingress: [] } }).expect(200);
    expect(updated.body.metadata.generation).toBe(2);
    const table = await tableOf(t, t.url(networkpolicies, 'default', 'np'));
    expect(table.columns).toEqual(['Name', 'Pod-Selector', 'Age']);
    expect(table.rows[0]!.slice(0, 2)).toEqual(['np', 'app=web']);
    const list = await request(app).get(t.url(networkpolicies, 'default')).set(auth).expect(200);
    expect(list.body.kind).toBe('NetworkPolicyList');
    await request(app).delete(t.url(networkpolicies, 'default', 'np')).set(auth).expect(200);
  });

  const np = (spec: Record<string, unknown>) => ({ metadata: { name: 'bad' }, spec: { podSelector: {}, ...spec } });
  it.each([
    { name: 'a port out of range', body: np({ ingress: [{ ports: [{ port: 70000 }] }] }), field: 'spec.ingress[0].ports[0].port', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
    { name: 'an endPort below the port', body: np({ ingress: [{ ports: [{ port: 80, endPort: 79 }] }] }), field: 'spec.ingress[0].ports[0].endPort', message: 'Invalid value: 79: must be greater than or equal to `port`' },
    { name: 'an endPort with a named port', body: np({ ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }), field: 'spec.ingress[0].ports[0].endPort', message: 'Invalid value: 90: may not be specified when `port` is non-numeric' },
    { name: 'an unknown protocol', body: np({ egress: [{ ports: [{ port: 53, protocol: 'ICMP' }] }] }), field: 'spec.egress[0].ports[0].protocol', message: 'Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"' },
    { name: 'an empty peer', body: np({ ingress: [{ from: [{}] }] }), field: 'spec.ingress[0].from[0]', message: 'Required value: must specify a peer' },
    { name: 'ipBlock with another peer', body: np({ ingress: [{ from: [{ podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }] }] }), field: 'spec.ingress[0].from[0]', message: 'Forbidden: may not specify both ipBlock and another peer' },
    { name: 'a bad CIDR', body: np({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0' } }] }] }), field: 'spec.ingress[0].from[0].ipBlock.cidr', message: 'Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' },
    { name: 'an except outside the CIDR', body: np({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['192.168.0.0/24'] } }] }] }), field: 'spec.ingress[0].from[0].ipBlock.except[0]', message: 'Invalid value: "192.168.0.0/24": must be a strict subset of `cidr`' },
    { name: 'an unknown policy type', body: np({ policyTypes: ['Sideways'] }), field: 'spec.policyTypes[0]', message: 'Unsupported value: "Sideways": supported values: "Ingress", "Egress"' },
    { name: 'a bad pod selector', body: np({ podSelector: { matchLabels: { 'a b': 'c' } } }), field: 'spec.podSelector.matchLabels', message: 'Invalid value: "a b": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')' },
  ])('rejects $name', async (c) => {
    await expectInvalid(t, { ...c, def: networkpolicies });
  });
});
