// discovery.k8s.io/v1 EndpointSlices through HTTP: port defaults, address checks by type, the
// generation rule and the Table columns.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { endpointslices } from './v1/endpointslices.ts';

let t: TestApi;
beforeAll(async () => { t = await startApi([endpointslices]); });
afterAll(async () => { await t.close(); });

const slice = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }], ports: [{ port: 80 }], ...extra,
});

describe('endpointslices', () => {
  it('creates with defaults (port name "" and protocol TCP), generation 1, then updates, lists and deletes', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(endpointslices, 'default')).set(auth).send(slice('s1')).expect(201);
    expect(created.body.ports).toEqual([{ name: '', protocol: 'TCP', port: 80 }]);
    expect(created.body.metadata.generation).toBe(1);
    const updated = await request(app).put(t.url(endpointslices, 'default', 's1')).set(auth)
      .send({ ...created.body, endpoints: [{ addresses: ['10.0.0.3'] }] }).expect(200);
    expect(updated.body.metadata.generation).toBe(2);
    // A label change alone also bumps the generation.
    const relabelled = await request(app).put(t.url(endpointslices, 'default', 's1')).set(auth)
      .send({ ...updated.body, metadata: { ...updated.body.metadata, labels: { a: 'b' } } }).expect(200);
    expect(relabelled.body.metadata.generation).toBe(3);
    const list = await request(app).get(t.url(endpointslices, 'default')).set(auth).expect(200);
    expect(list.body.kind).toBe('EndpointSliceList');
    await request(app).delete(t.url(endpointslices, 'default', 's1')).set(auth).expect(200);
  });

  it('clears deprecatedTopology on a v1 write', async () => {
    const res = await request(t.api.app).post(t.url(endpointslices, 'default')).set(auth)
      .send(slice('s2', { endpoints: [{ addresses: ['10.0.0.9'], deprecatedTopology: { a: 'b' } }] })).expect(201);
    // EndpointConditions is a struct: always written, if only as {}.
    expect(res.body.endpoints).toEqual([{ addresses: ['10.0.0.9'], conditions: {} }]);
  });

  it('writes no endpoints and no ports as null, as upstream reads a nil list back', async () => {
    const res = await request(t.api.app).post(t.url(endpointslices, 'default')).set(auth)
      .send({ ...slice('empty', {}), endpoints: [], ports: [] }).expect(201);
    expect(res.body).toMatchObject({ endpoints: null, ports: null });
    const got = await request(t.api.app).get(t.url(endpointslices, 'default', 'empty')).set(auth).expect(200);
    expect(got.body).toMatchObject({ endpoints: null, ports: null });
  });

  it('names an unnamed port "" (a *string defaulted, so written)', async () => {
    const res = await request(t.api.app).post(t.url(endpointslices, 'default')).set(auth)
      .send({ ...slice('unnamed', {}), ports: [{ port: 80 }] }).expect(201);
    expect(res.body.ports).toEqual([{ name: '', port: 80, protocol: 'TCP' }]);
  });

  it('keeps addressType immutable', async () => {
    const created = await request(t.api.app).post(t.url(endpointslices, 'default')).set(auth).send(slice('s3')).expect(201);
    const res = await request(t.api.app).put(t.url(endpointslices, 'default', 's3')).set(auth)
      .send({ ...created.body, addressType: 'FQDN', endpoints: [{ addresses: ['a.example.com'] }] }).expect(422);
    expect(res.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'addressType', message: 'Invalid value: "FQDN": field is immutable' });
  });

  const base = (extra: Record<string, unknown>) => ({ metadata: { name: 'bad' }, addressType: 'IPv4', ...extra });
  it.each([
    { name: 'missing addressType', body: { metadata: { name: 'bad' } }, field: 'addressType', message: 'Required value' },
    { name: 'unknown addressType', body: base({ addressType: 'IP' }), field: 'addressType', message: 'Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"' },
    { name: 'an endpoint without addresses', body: base({ endpoints: [{ addresses: [] }] }), field: 'endpoints[0].addresses', message: 'Required value: must contain at least 1 address' },
    { name: 'an IPv6 address in an IPv4 slice', body: base({ endpoints: [{ addresses: ['fd00::1'] }] }), field: 'endpoints[0].addresses[0]', message: 'Invalid value: "fd00::1": must be a valid IPv4 address' },
    { name: 'a loopback address', body: base({ endpoints: [{ addresses: ['127.0.0.1'] }] }), field: 'endpoints[0].addresses[0]', message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)' },
    { name: 'a link-local address', body: base({ endpoints: [{ addresses: ['169.254.1.1'] }] }), field: 'endpoints[0].addresses[0]', message: 'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)' },
    { name: 'an unspecified IPv6 address', body: base({ addressType: 'IPv6', endpoints: [{ addresses: ['::'] }] }), field: 'endpoints[0].addresses[0]', message: 'Invalid value: "::": may not be unspecified (::)' },
    { name: 'a bad FQDN', body: base({ addressType: 'FQDN', endpoints: [{ addresses: ['localhost'] }] }), field: 'endpoints[0].addresses[0]', message: 'Invalid value: "localhost": should be a domain with at least two segments separated by dots' },
    { name: 'a bad hostname', body: base({ endpoints: [{ addresses: ['10.1.1.1'], hostname: 'a.b' }] }), field: 'endpoints[0].hostname', message: 'Invalid value: "a.b": must not contain dots' },
    { name: 'duplicate port names', body: base({ ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }), field: 'ports[1].name', message: 'Duplicate value: "http"' },
    { name: 'an unknown protocol', body: base({ ports: [{ port: 80, protocol: 'ICMP' }] }), field: 'ports[0].protocol', message: 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"' },
    { name: 'a bad port name', body: base({ ports: [{ name: 'Http', port: 80 }] }), field: 'ports[0].name', message: 'Invalid value: "Http": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')' },
    { name: 'a bad zone hint', body: base({ endpoints: [{ addresses: ['10.1.1.1'], hints: { forZones: [{ name: 'a b' }] } }] }), field: 'endpoints[0].hints.forZones[0].name', message: 'Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')' },
  ])('rejects $name', async (c) => {
    await expectInvalid(t, { ...c, def: endpointslices });
  });

  it('prints Name, AddressType, Ports, Endpoints and Age, three addresses then "+ N more..."', async () => {
    await request(t.api.app).post(t.url(endpointslices, 'default')).set(auth)
      .send(slice('tbl', { endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4', '10.0.0.5'] }], ports: [{ port: 80 }, { name: 'x' }] })).expect(201);
    const table = await tableOf(t, t.url(endpointslices, 'default', 'tbl'));
    expect(table.columns).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    expect(table.rows[0]!.slice(0, 4)).toEqual(['tbl', 'IPv4', '80,x', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...']);
  });
});
