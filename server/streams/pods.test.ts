import { describe, expect, it } from 'vitest';
import { isStatusError, type StatusError } from '../../machinery/errors.ts';
import { parseRequestInfo } from '../endpoints/requestinfo.ts';
import { isStreamRequest } from './index.ts';
import { podLogOptionsOf, validatePodLogOptions } from './podlog.ts';
import { validateContainer, type Pod } from './pods.ts';

const pod = (containers: string[], init: string[] = []): Pod => ({
  metadata: { name: 'web' },
  spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
});

function refusal(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('the container a stream means (upstream validateContainer)', () => {
  it('defaults to the only container and keeps a named one', () => {
    expect(validateContainer(undefined, pod(['app']))).toBe('app');
    expect(validateContainer('init', pod(['app'], ['init']))).toBe('init');
  });

  it('asks for a name when there are several, listing init containers first', () => {
    const e = refusal(() => validateContainer(undefined, pod(['a', 'b'], ['setup'])));
    expect([e.status.code, e.status.reason, e.status.message]).toEqual([400, 'BadRequest', 'a container name must be specified for pod web, choose one of: [setup a b]']);
    expect(refusal(() => validateContainer(undefined, pod([]))).status.message).toBe('a container name must be specified for pod web');
    expect(refusal(() => validateContainer('nope', pod(['a']))).status.message).toBe('container nope is not valid for pod web');
  });
});

describe('PodLogOptions', () => {
  it('decodes the query as upstream\'s parameter codec', () => {
    expect(podLogOptionsOf(new URLSearchParams('container=c&follow=true&tailLines=10&timestamps=1&sinceTime=2024-05-06T07:08:09.5Z'))).toEqual({
      container: 'c', follow: true, previous: false, timestamps: true, tailLines: 10, sinceTime: '2024-05-06T07:08:09Z',
    });
    expect(refusal(() => podLogOptionsOf(new URLSearchParams('follow=yes'))).status.message).toBe('strconv.ParseBool: parsing "yes": invalid syntax');
    expect(refusal(() => podLogOptionsOf(new URLSearchParams('tailLines=ten'))).status.code).toBe(400);
  });

  it('validates as upstream\'s ValidatePodLogOptions', () => {
    const errs = (q: string) => validatePodLogOptions(podLogOptionsOf(new URLSearchParams(q))).map((e) => `${e.field}: ${e.type}`);
    expect(errs('tailLines=-1&limitBytes=0')).toEqual(['tailLines: FieldValueInvalid', 'limitBytes: FieldValueInvalid']);
    expect(errs('sinceSeconds=0')).toEqual(['sinceSeconds: FieldValueInvalid']);
    expect(errs('sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z')).toEqual([': FieldValueForbidden']);
    expect(errs('tailLines=0&limitBytes=1&sinceSeconds=1')).toEqual([]);
  });
});

describe('which requests are streams', () => {
  const is = (method: string, p: string) => isStreamRequest(parseRequestInfo(method, p, new URLSearchParams()));
  it('routes pods/log, exec, attach, portforward and nodes/proxy to the kubelet, nothing else', () => {
    expect(is('GET', '/api/v1/namespaces/default/pods/web/log')).toBe(true);
    expect(is('POST', '/api/v1/namespaces/default/pods/web/exec')).toBe(true);
    expect(is('GET', '/api/v1/namespaces/default/pods/web/attach')).toBe(true);
    expect(is('GET', '/api/v1/namespaces/default/pods/web/portforward')).toBe(true);
    expect(is('GET', '/api/v1/nodes/n1/proxy/logs/')).toBe(true);
    expect(is('GET', '/api/v1/nodes/n1/proxy')).toBe(true);
    expect(is('GET', '/api/v1/namespaces/default/pods/web/status')).toBe(false);
    expect(is('GET', '/api/v1/namespaces/default/pods/web')).toBe(false);
    expect(is('GET', '/apis/apps/v1/namespaces/default/deployments/web/log')).toBe(false);
  });
});
