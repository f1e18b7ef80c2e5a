// admissionregistration.k8s.io/v1 through HTTP: webhook configurations and validating admission
// policies with bindings — defaults, validation causes, status and Tables (stored, not enforced).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { validatingwebhookconfigurations as vwcs } from './v1/validatingwebhookconfigurations.ts';
import { mutatingwebhookconfigurations as mwcs } from './v1/mutatingwebhookconfigurations.ts';
import { validatingadmissionpolicies as vaps } from './v1/validatingadmissionpolicies.ts';
import { validatingadmissionpolicybindings as vapbs } from './v1/validatingadmissionpolicybindings.ts';

let t: TestApi;
beforeAll(async () => { t = await startApi([vwcs, mwcs, vaps, vapbs]); });
afterAll(async () => { await t.close(); });

const hook = (extra: Record<string, unknown> = {}) => ({
  name: 'check.example.com', clientConfig: { service: { namespace: 'default', name: 'webhook' } }, sideEffects: 'None', admissionReviewVersions: ['v1'],
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], ...extra,
});

describe('webhook configurations', () => {
  it('defaults a validating webhook as upstream v1 and bumps the generation on change', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(vwcs)).set(auth)
      .send({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'v' }, webhooks: [hook()] }).expect(201);
    expect(created.body.webhooks[0]).toMatchObject({
      failurePolicy: 'Fail', matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10,
      clientConfig: { service: { namespace: 'default', name: 'webhook', port: 443 } }, rules: [{ scope: '*' }],
    });
    expect(created.body.metadata.generation).toBe(1);
    const updated = await request(app).put(t.url(vwcs, '', 'v')).set(auth).send({ ...created.body, webhooks: [{ ...created.body.webhooks[0], timeoutSeconds: 5 }] }).expect(200);
    expect(updated.body.metadata.generation).toBe(2);
    const table = await tableOf(t, t.url(vwcs, '', 'v'));
    expect(table.columns).toEqual(['Name', 'Webhooks', 'Age']);
    expect(table.rows[0]!.slice(0, 2)).toEqual(['v', 1]);
    await request(app).delete(t.url(vwcs, '', 'v')).set(auth).expect(200);
  });

  it('defaults reinvocationPolicy Never on a mutating webhook', async () => {
    const created = await request(t.api.app).post(t.url(mwcs)).set(auth).send({ metadata: { name: 'm' }, webhooks: [hook({ clientConfig: { url: 'https://hooks.example.com/mutate' } })] }).expect(201);
    expect(created.body.webhooks[0].reinvocationPolicy).toBe('Never');
    const list = await request(t.api.app).get(t.url(mwcs)).set(auth).expect(200);
    expect(list.body.kind).toBe('MutatingWebhookConfigurationList');
  });

  const vwc = (extra: Record<string, unknown>) => ({ metadata: { name: 'bad' }, webhooks: [hook(extra)] });
  it.each([
    { name: 'a webhook name with two segments', body: vwc({ name: 'example.com' }), field: 'webhooks[0].name', message: 'Invalid value: "example.com": should be a domain with at least three segments separated by dots' },
    { name: 'no sideEffects', body: vwc({ sideEffects: undefined }), field: 'webhooks[0].sideEffects', message: 'Required value: must specify one of None, NoneOnDryRun' },
    { name: 'sideEffects Some', body: vwc({ sideEffects: 'Some' }), field: 'webhooks[0].sideEffects', message: 'Unsupported value: "Some": supported values: "None", "NoneOnDryRun"' },
    { name: 'a timeout over 30s', body: vwc({ timeoutSeconds: 31 }), field: 'webhooks[0].timeoutSeconds', message: 'Invalid value: 31: the timeout value must be between 1 and 30 seconds' },
    { name: 'no admissionReviewVersions', body: vwc({ admissionReviewVersions: [] }), field: 'webhooks[0].admissionReviewVersions', message: 'Required value: must specify one of v1, v1beta1' },
    { name: 'only unknown review versions', body: vwc({ admissionReviewVersions: ['v2'] }), field: 'webhooks[0].admissionReviewVersions', message: 'Invalid value: ["v2"]: must include at least one of v1, v1beta1' },
    { name: 'both url and service', body: vwc({ clientConfig: { url: 'https://a.example.com', service: { namespace: 'a', name: 'b' } } }), field: 'webhooks[0].clientConfig', message: 'Required value: exactly one of url or service is required' },
    { name: 'an http url', body: vwc({ clientConfig: { url: 'http://a.example.com/x' } }), field: 'webhooks[0].clientConfig.url', message: 'Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]' },
    { name: 'a url with a query', body: vwc({ clientConfig: { url: 'https://a.example.com/x?y=1' } }), field: 'webhooks[0].clientConfig.url', message: 'Invalid value: "y=1": query parameters are not permitted in the URL' },
    { name: 'a service without a name (reported as namespace, as upstream)', body: vwc({ clientConfig: { service: { namespace: 'default' } } }), field: 'webhooks[0].clientConfig.service.namespace', message: 'Required value: service namespace is required' },
    { name: 'a bad service path', body: vwc({ clientConfig: { service: { namespace: 'default', name: 'w', path: 'validate' } } }), field: 'webhooks[0].clientConfig.service.path', message: 'Invalid value: "validate": must start with a \'/\'' },
    { name: 'an unknown operation', body: vwc({ rules: [{ operations: ['READ'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }), field: 'webhooks[0].rules[0].operations[0]', message: 'Unsupported value: "READ": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"' },
    { name: 'a wildcard with other resources', body: vwc({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*', 'pods'] }] }), field: 'webhooks[0].rules[0].resources', message: 'Invalid value: ["*/*","pods"]: if \'*/*\' is present, must not specify other resources' },
    { name: 'an unknown scope', body: vwc({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Global' }] }), field: 'webhooks[0].rules[0].scope', message: 'Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"' },
    { name: 'a match condition without a name', body: vwc({ matchConditions: [{ expression: 'true' }] }), field: 'webhooks[0].matchConditions[0].name', message: 'Required value' },
  ])('rejects a validating webhook with $name', async (c) => {
    await expectInvalid(t, { ...c, def: vwcs });
  });

  it('rejects duplicate webhook names and an unknown reinvocation policy on a mutating configuration', async () => {
    await expectInvalid(t, { name: 'dup', def: mwcs, body: { metadata: { name: 'bad' }, webhooks: [hook(), hook()] }, field: 'webhooks[1].name', message: 'Duplicate value: "check.example.com"' });
    await expectInvalid(t, { name: 'reinvocation', def: mwcs, body: { metadata: { name: 'bad' }, webhooks: [hook({ reinvocationPolicy: 'Always' })] }, field: 'webhooks[0].reinvocationPolicy', message: 'Unsupported value: "Always": supported values: "IfNeeded", "Never"' });
  });
});

const policy = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'replicas' },
  spec: {
    matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
    validations: [{ expression: 'object.spec.replicas <= 5' }], ...extra,
  },
});

describe('validating admission policies and bindings', () => {
  it('defaults the policy, takes status through /status, prints Validations and ParamKind', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(vaps)).set(auth).send(policy({ paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } })).expect(201);
    expect(created.body.spec).toMatchObject({ failurePolicy: 'Fail', matchConstraints: { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, resourceRules: [{ scope: '*' }] } });
    expect(created.body.status).toEqual({});
    const status = await request(app).put(t.url(vaps, '', 'replicas', 'status')).set(auth)
      .send({ ...created.body, status: { observedGeneration: 1, typeChecking: {}, conditions: [{ type: 'Ready', status: 'True', reason: 'Checked', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }).expect(200);
    expect(status.body.status.observedGeneration).toBe(1);
    const bad = await request(app).put(t.url(vaps, '', 'replicas', 'status')).set(auth)
      .send({ ...status.body, status: { conditions: [{ type: 'Ready', status: 'Maybe', reason: 'x', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }).expect(422);
    expect(bad.body.details.causes).toContainEqual({ reason: 'FieldValueNotSupported', field: 'status.conditions[0].status', message: 'Unsupported value: "Maybe": supported values: "False", "True", "Unknown"' });
    const table = await tableOf(t, t.url(vaps, '', 'replicas'));
    expect(table.columns).toEqual(['Name', 'Validations', 'ParamKind', 'Age']);
    expect(table.rows[0]!.slice(0, 3)).toEqual(['replicas', 1, 'v1/ConfigMap']);
  });

  it('creates a binding and prints PolicyName and ParamRef', async () => {
    const app = t.api.app;
    await request(app).post(t.url(vapbs)).set(auth).send({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'b' },
      spec: { policyName: 'replicas', validationActions: ['Deny'], paramRef: { name: 'limits', namespace: 'default', parameterNotFoundAction: 'Deny' } },
    }).expect(201);
    const table = await tableOf(t, t.url(vapbs, '', 'b'));
    expect(table.columns).toEqual(['Name', 'PolicyName', 'ParamRef', 'Age']);
    expect(table.rows[0]!.slice(0, 3)).toEqual(['b', 'replicas', 'default/limits']);
    await request(app).delete(t.url(vapbs, '', 'b')).set(auth).expect(200);
  });

  it.each([
    { name: 'no validations or audit annotations', body: policy({ validations: [] }), field: 'spec.validations', message: 'Required value: validations or auditAnnotations must contain at least one item' },
    { name: 'no match constraints', body: policy({ matchConstraints: undefined }), field: 'spec.matchConstraints', message: 'Required value' },
    { name: 'match constraints without resource rules', body: policy({ matchConstraints: {} }), field: 'spec.matchConstraints.resourceRules', message: 'Required value' },
    { name: 'an unknown failure policy', body: policy({ failurePolicy: 'Maybe' }), field: 'spec.failurePolicy', message: 'Unsupported value: "Maybe": supported values: "Fail", "Ignore"' },
    { name: 'a blank expression', body: policy({ validations: [{ expression: ' ' }] }), field: 'spec.validations[0].expression', message: 'Required value: expression is not specified' },
    { name: 'a message with a line break', body: policy({ validations: [{ expression: 'true', message: 'a\nb' }] }), field: 'spec.validations[0].message', message: 'Invalid value: "a\\nb": message must not contain line breaks' },
    { name: 'an unknown reason', body: policy({ validations: [{ expression: 'true', reason: 'Teapot' }] }), field: 'spec.validations[0].reason', message: 'Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge"' },
    { name: 'a variable name that is a CEL keyword', body: policy({ variables: [{ name: 'in', expression: '1' }] }), field: 'spec.variables[0].name', message: 'Invalid value: "in": name is not a valid CEL identifier' },
    { name: 'a paramKind without kind', body: policy({ paramKind: { apiVersion: 'v1' } }), field: 'spec.paramKind.kind', message: 'Required value' },
    { name: 'a paramKind with a bad version', body: policy({ paramKind: { apiVersion: 'example.com/V1', kind: 'Thing' } }), field: 'spec.paramKind.apiVersion', message: 'Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')' },
    { name: 'an audit annotation without a value expression', body: policy({ validations: [], auditAnnotations: [{ key: 'k', valueExpression: '' }] }), field: 'spec.auditAnnotations[0].valueExpression', message: 'Required value: valueExpression is not specified' },
  ])('rejects a policy with $name', async (c) => {
    await expectInvalid(t, { ...c, def: vaps });
  });

  const binding = (spec: Record<string, unknown>) => ({ metadata: { name: 'bad' }, spec: { policyName: 'p', validationActions: ['Deny'], ...spec } });
  it.each([
    { name: 'no policy name', body: binding({ policyName: '' }), field: 'spec.policyName', message: 'Required value' },
    { name: 'no validation actions', body: binding({ validationActions: [] }), field: 'spec.validationActions', message: 'Required value: at least one validation action is required' },
    { name: 'both Deny and Warn', body: binding({ validationActions: ['Deny', 'Warn'] }), field: 'spec.validationActions', message: 'Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)' },
    { name: 'an unknown action', body: binding({ validationActions: ['Shout'] }), field: 'spec.validationActions[0]', message: 'Unsupported value: "Shout": supported values: "Audit", "Deny", "Warn"' },
    { name: 'a paramRef with name and selector', body: binding({ paramRef: { name: 'x', selector: {}, parameterNotFoundAction: 'Deny' } }), field: 'spec.paramRef.name', message: 'Forbidden: name and selector are mutually exclusive' },
    { name: 'a paramRef without a not-found action', body: binding({ paramRef: { name: 'x' } }), field: 'spec.paramRef.parameterNotFoundAction', message: 'Required value' },
    { name: 'a bad matchPolicy (under upstream\'s misspelt path)', body: binding({ matchResources: { matchPolicy: 'Fuzzy' } }), field: 'spec.matchResouces.matchPolicy', message: 'Unsupported value: "Fuzzy": supported values: "Equivalent", "Exact"' },
  ])('rejects a binding with $name', async (c) => {
    await expectInvalid(t, { ...c, def: vapbs });
  });
});
