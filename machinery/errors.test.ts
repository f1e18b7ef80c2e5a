import { describe, expect, it } from 'vitest';
import * as errors from './errors.ts';
import { FieldPath, invalid as invalidField, required } from './fieldpath.ts';

const pods = { group: '', resource: 'pods' };
const deployments = { group: 'apps', resource: 'deployments' };

describe('group/resource and group/kind strings', () => {
  it.each([
    [{ group: '', resource: 'configmaps' }, 'configmaps'],
    [deployments, 'deployments.apps'],
    [{ group: 'rbac.authorization.k8s.io', resource: 'roles' }, 'roles.rbac.authorization.k8s.io'],
    [{ group: '', resource: '' }, ''],
  ])('formats %o as %s', (gr, want) => expect(errors.groupResourceString(gr)).toBe(want));

  it.each([
    [{ group: '', kind: 'ConfigMap' }, 'ConfigMap'],
    [{ group: 'apps', kind: 'Deployment' }, 'Deployment.apps'],
  ])('formats %o as %s', (gk, want) => expect(errors.groupKindString(gk)).toBe(want));
});

describe('error constructors mirror apimachinery/pkg/api/errors', () => {
  const cases: [string, errors.StatusError, number, string, string, errors.StatusDetails | undefined][] = [
    ['NewNotFound', errors.notFound(pods, 'web'), 404, 'NotFound', 'pods "web" not found', { name: 'web', kind: 'pods' }],
    ['NewNotFound in a group', errors.notFound(deployments, 'web'), 404, 'NotFound', 'deployments.apps "web" not found',
      { name: 'web', group: 'apps', kind: 'deployments' }],
    ['NewNotFound quotes names as Go does', errors.notFound(pods, 'a"b'), 404, 'NotFound', 'pods "a\\"b" not found', { name: 'a"b', kind: 'pods' }],
    ['NewAlreadyExists', errors.alreadyExists(pods, 'web'), 409, 'AlreadyExists', 'pods "web" already exists', { name: 'web', kind: 'pods' }],
    ['NewGenerateNameConflict', errors.generateNameConflict(pods, 'web-x7k2p', 1), 409, 'AlreadyExists',
      'pods "web-x7k2p" already exists, the server was not able to generate a unique name for the object',
      { name: 'web-x7k2p', kind: 'pods', retryAfterSeconds: 1 }],
    ['NewConflict', errors.conflict({ group: '', resource: 'configmaps' }, 'cm', errors.OptimisticLockErrorMsg), 409, 'Conflict',
      'Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again',
      { name: 'cm', kind: 'configmaps' }],
    ['NewBadRequest', errors.badRequest('continue key is not valid'), 400, 'BadRequest', 'continue key is not valid', undefined],
    ['NewMethodNotSupported', errors.methodNotSupported(pods, 'create'), 405, 'MethodNotAllowed',
      'create is not supported on resources of kind "pods"', { kind: 'pods' }],
    ['NewMethodNotSupported in a group', errors.methodNotSupported({ group: 'apps', resource: 'deployments/status' }, 'delete'), 405, 'MethodNotAllowed',
      'delete is not supported on resources of kind "deployments/status.apps"', { group: 'apps', kind: 'deployments/status' }],
    ['NewForbidden', errors.forbidden(pods, 'web', 'User "alice" cannot get resource "pods" in API group "" in the namespace "default"'), 403, 'Forbidden',
      'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"', { name: 'web', kind: 'pods' }],
    ['NewForbidden without a name', errors.forbidden(pods, '', 'User "alice" cannot list resource "pods"'), 403, 'Forbidden',
      'pods is forbidden: User "alice" cannot list resource "pods"', { kind: 'pods' }],
    ['NewForbidden without a resource', errors.forbidden({ group: '', resource: '' }, '', 'User "alice" cannot get path "/metrics"'), 403, 'Forbidden',
      'forbidden: User "alice" cannot get path "/metrics"', {}],
    ['NewUnauthorized', errors.unauthorized('token expired'), 401, 'Unauthorized', 'token expired', undefined],
    ['NewUnauthorized with no reason', errors.unauthorized(''), 401, 'Unauthorized', 'not authorized', undefined],
    ['an unsupported media type', errors.unsupportedMediaType('text/plain', ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']),
      415, 'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      undefined],
    ['a not acceptable media type', errors.notAcceptable(['application/json', 'application/yaml']), 406, 'NotAcceptable',
      'only the following media types are accepted: application/json, application/yaml', undefined],
    ['NewRequestEntityTooLargeError', errors.requestEntityTooLarge('limit is 3145728'), 413, 'RequestEntityTooLarge',
      'Request entity too large: limit is 3145728', undefined],
    ['NewGone', errors.gone('the requested resource is no longer available'), 410, 'Gone', 'the requested resource is no longer available', undefined],
    ['NewResourceExpired', errors.resourceExpired('too old resource version: 5 (100)'), 410, 'Expired', 'too old resource version: 5 (100)', undefined],
    ['NewTooManyRequests', errors.tooManyRequests('too many requests, please try again later', 1), 429, 'TooManyRequests',
      'too many requests, please try again later', { retryAfterSeconds: 1 }],
    ['NewTooManyRequests without a delay', errors.tooManyRequests('slow down', 0), 429, 'TooManyRequests', 'slow down', {}],
    ['NewServerTimeout', errors.serverTimeout(pods, 'get', 2), 500, 'ServerTimeout',
      'The get operation against pods could not be completed at this time, please try again.', { name: 'get', kind: 'pods', retryAfterSeconds: 2 }],
    ['NewTimeoutError', errors.timeout('request did not complete within requested timeout - context deadline exceeded', 0), 504, 'Timeout',
      'Timeout: request did not complete within requested timeout - context deadline exceeded', {}],
    ['NewInternalError', errors.internalError(new Error('boom')), 500, 'InternalError', 'Internal error occurred: boom', { causes: [{ message: 'boom' }] }],
    ['NewInternalError of a non-Error', errors.internalError('disk full'), 500, 'InternalError', 'Internal error occurred: disk full', { causes: [{ message: 'disk full' }] }],
    ['NewServiceUnavailable', errors.serviceUnavailable('the storage is unavailable'), 503, 'ServiceUnavailable', 'the storage is unavailable', undefined],
  ];

  it.each(cases)('%s', (_name, err, code, reason, message, details) => {
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.reason).toBe(reason);
    expect(err.message).toBe(message);
    expect(err.status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code,
      ...(details !== undefined ? { details } : {}),
    });
  });

  it('serialises like upstream: empty detail fields are omitted, an empty details object stays', () => {
    expect(JSON.stringify(errors.notFound(pods, 'web').status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"web\\" not found","reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}');
    expect(JSON.stringify(errors.timeout('x', 0).status.details)).toBe('{}');
  });
});

describe('NewInvalid', () => {
  const gk = { group: 'apps', kind: 'Deployment' };
  const replicas = invalidField(FieldPath.root('spec', 'replicas'), -1, 'must be greater than or equal to 0');
  const name = required(FieldPath.root('metadata', 'name'), 'name or generateName is required');

  it('is a 422 with one cause per field error', () => {
    const err = errors.invalid(gk, 'web', [replicas]);
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe('Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(err.status.details).toEqual({
      name: 'web', group: 'apps', kind: 'Deployment',
      causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }],
    });
  });

  it('brackets several errors in the message', () => {
    const err = errors.invalid({ group: '', kind: 'ConfigMap' }, '', [name, replicas]);
    expect(err.message).toBe('ConfigMap "" is invalid: [metadata.name: Required value: name or generateName is required, spec.replicas: Invalid value: -1: must be greater than or equal to 0]');
    expect(err.status.details?.causes).toHaveLength(2);
    expect(err.status.details?.causes?.[0]).toEqual({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
  });

  it('prints a repeated error once but keeps every cause', () => {
    const err = errors.invalid(gk, 'web', [replicas, { ...replicas }]);
    expect(err.message).toBe('Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(err.status.details?.causes).toHaveLength(2);
  });

  it('says only "is invalid" with no errors', () => {
    const err = errors.invalid({ group: '', kind: 'Pod' }, 'p', []);
    expect(err.message).toBe('Pod "p" is invalid');
    expect(err.status.details).toEqual({ name: 'p', kind: 'Pod' });
  });

  it('builds the ListOptions 422 the list endpoint returns for bad query parameters', () => {
    const err = errors.invalidParams([required(FieldPath.root('resourceVersionMatch'), 'x')]);
    expect(err.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Required value: x');
    expect(err.status.details).toMatchObject({ group: 'meta.k8s.io', kind: 'ListOptions' });
    const fromText = errors.invalidParams('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    expect(fromText.code).toBe(422);
    expect(fromText.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  });
});

describe('resource version too large (storage.NewTooLargeResourceVersionError)', () => {
  it('is a 504 Timeout with a ResourceVersionTooLarge cause', () => {
    const err = errors.tooLargeResourceVersion(105n, 100n, 1);
    expect(err.code).toBe(504);
    expect(err.reason).toBe('Timeout');
    expect(err.message).toBe('Timeout: Too large resource version: 105, current: 100');
    expect(err.status.details).toEqual({ retryAfterSeconds: 1, causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] });
    expect(errors.isTooLargeResourceVersion(err)).toBe(true);
    expect(errors.isTooLargeResourceVersion(errors.timeout('x', 1))).toBe(false);
  });

  it("accepts the storage layer's ready-made text", () => {
    const err = errors.tooLargeResourceVersion('Too large resource version: 7, current: 3');
    expect(err.message).toBe('Timeout: Too large resource version: 7, current: 3');
    expect(err.status.details?.retryAfterSeconds).toBe(1);
  });
});

describe('NewGenericServerResponse', () => {
  it.each<[number, string, string, string]>([
    [404, '', 'NotFound', 'the server could not find the requested resource'],
    [409, 'POST', 'AlreadyExists', 'the server reported a conflict'],
    [409, 'PUT', 'Conflict', 'the server reported a conflict'],
    [400, '', 'BadRequest', 'the server rejected our request for an unknown reason'],
    [401, '', 'Unauthorized', 'the server has asked for the client to provide credentials'],
    [405, '', 'MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    [422, '', 'Invalid', 'the server rejected our request due to an error in our request'],
    [503, '', 'ServiceUnavailable', 'the server is currently unable to handle the request'],
    [504, '', 'Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
    [429, '', 'TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    [502, '', 'InternalError', 'an error on the server ("bad gateway") has prevented the request from succeeding'],
    [418, '', '', 'the server responded with the status code 418 but did not return more information'],
  ])('maps %i to reason %s', (code, verb, reason, message) => {
    const err = errors.genericServerResponse(code, verb, { group: '', resource: '' }, '', 'bad gateway', 0, false);
    expect(err.code).toBe(code);
    expect(err.reason).toBe(reason);
    expect(err.message).toBe(message);
  });

  it('appends the verb, resource and name', () => {
    expect(errors.genericServerResponse(404, 'GET', deployments, 'web', '', 0, false).message)
      .toBe('the server could not find the requested resource (get deployments.apps web)');
    expect(errors.genericServerResponse(404, 'LIST', pods, '', '', 0, false).message)
      .toBe('the server could not find the requested resource (list pods)');
  });

  it('answers an unrouted path with the JSON 404 of the apiserver', () => {
    expect(errors.notFoundPath().status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404,
    });
  });

  it('answers a patch that cannot apply with a generic 422 that drops the detail', () => {
    const err = errors.invalidPatch('testing value /data/a failed');
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe('the server rejected our request due to an error in our request');
  });
});

describe('StatusError helpers', () => {
  it('recognises status errors, optionally by reason', () => {
    const err = errors.notFound(pods, 'x');
    expect(errors.isStatusError(err)).toBe(true);
    expect(errors.isStatusError(err, 'NotFound')).toBe(true);
    expect(errors.isStatusError(err, 'Conflict')).toBe(false);
    expect(errors.isStatusError(new Error('x'))).toBe(false);
    expect(errors.isStatusError(undefined)).toBe(false);
  });

  it('builds the Success status a delete returns', () => {
    expect(errors.statusSuccess({ name: 'web', kind: 'pods', uid: 'u1' })).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200, details: { name: 'web', kind: 'pods', uid: 'u1' },
    });
    expect(errors.statusSuccess()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
  });

  it('turns any thrown value into a Status as ErrorToAPIStatus does', () => {
    expect(errors.errorToStatus(new Error('kaboom'))).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'kaboom', code: 500,
    });
    expect(errors.errorToStatus(errors.gone('x')).code).toBe(410);
  });
});
