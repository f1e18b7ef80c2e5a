// OpenAPI v2 through the real kubectl. kubectl validates a `kind: List` client-side: it finds no
// OpenAPI v3 operation for v1 List, so it reads /openapi/v2, asking for gnostic protobuf only.
// Everyday pipelines (`kubectl get … -o yaml | kubectl apply -f -`) depend on it, and so does
// `kubectl explain --output=plaintext-openapiv2`.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';

let sys: System;
let nsSeq = 0;

async function namespace(): Promise<string> {
  const name = `oa2-${process.pid}-${nsSeq++}`;
  await kubectlOk(sys, ['create', 'namespace', name]);
  return name;
}

function configMapList(ns: string, extra = ''): string {
  return `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: first
    namespace: ${ns}
  data:
    a: b
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: second
    namespace: ${ns}
  data:
    c: d
${extra}`;
}

beforeAll(async () => { sys = await startSystem({ command: 'apiserver' }); });
afterAll(async () => { await sys?.stop(); });

describe('OpenAPI v2 (protobuf) as kubectl uses it', () => {
  it('kubectl apply -f - of a List of two ConfigMaps creates both', async () => {
    const ns = await namespace();
    const out = await kubectlOk(sys, ['apply', '-f', '-'], { input: configMapList(ns) });
    expect(out).toBe('configmap/first created\nconfigmap/second created\n');
    expect(await kubectlOk(sys, ['get', 'cm', 'first', 'second', '-n', ns, '-o', 'jsonpath={.items[*].data}'])).toBe('{"a":"b"} {"c":"d"}');
  });

  it('kubectl create -f - of a List creates both', async () => {
    const ns = await namespace();
    expect(await kubectlOk(sys, ['create', '-f', '-'], { input: configMapList(ns) })).toBe('configmap/first created\nconfigmap/second created\n');
  });

  it('kubectl get cm -o yaml | kubectl apply -f - succeeds', async () => {
    const ns = await namespace();
    await kubectlOk(sys, ['create', 'configmap', 'one', '-n', ns, '--from-literal=k=v']);
    await kubectlOk(sys, ['create', 'configmap', 'two', '-n', ns]);
    const listed = await kubectlOk(sys, ['get', 'cm', 'one', 'two', '-n', ns, '-o', 'yaml']);
    expect(listed).toMatch(/^apiVersion: v1\nitems:/);
    const out = await kubectlOk(sys, ['apply', '-f', '-'], { input: listed });
    expect(out).toMatch(/^configmap\/one (configured|unchanged)\nconfigmap\/two (configured|unchanged)\n$/);
    // And once more, now that the last-applied annotation is there.
    const again = await kubectlOk(sys, ['apply', '-f', '-'], { input: await kubectlOk(sys, ['get', 'cm', 'one', 'two', '-n', ns, '-o', 'yaml']) });
    expect(again).toMatch(/^configmap\/one (configured|unchanged)\nconfigmap\/two (configured|unchanged)\n$/);
  });

  it('kubectl apply --validate=strict of a List with an unknown field fails with kubectl\'s own validation error', async () => {
    const ns = await namespace();
    const r = await kubectl(sys, ['apply', '--validate=strict', '-f', '-'], { input: configMapList(ns, '  foo: bar\n') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: error validating "STDIN": error validating data: ValidationError(ConfigMap): unknown field "foo" in io.k8s.api.core.v1.ConfigMap; '
      + 'if you choose to ignore these errors, turn validation off with --validate=false\n',
    );
    // Nothing was sent: the whole List is checked before any item is created.
    expect((await kubectl(sys, ['get', 'cm', 'first', '-n', ns])).code).toBe(1);
    const create = await kubectl(sys, ['create', '-f', '-'], { input: configMapList(ns, '  foo: bar\n') });
    expect(create.code).toBe(1);
    expect(create.stderr).toContain('ValidationError(ConfigMap): unknown field "foo" in io.k8s.api.core.v1.ConfigMap');
    // Turned off, the server drops the field (fieldValidation=Ignore) and both are created.
    expect(await kubectlOk(sys, ['apply', '--validate=false', '-f', '-'], { input: configMapList(ns, '  foo: bar\n') })).toBe('configmap/first created\nconfigmap/second created\n');
  });

  it('reports a List item of the wrong type, as kube-openapi\'s validation does', async () => {
    const ns = await namespace();
    const list = configMapList(ns).replace('    a: b', '    a: b\n  immutable: "yes"');
    const r = await kubectl(sys, ['apply', '-f', '-'], { input: list });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ValidationError(ConfigMap.immutable): invalid type for io.k8s.api.core.v1.ConfigMap.immutable: got "string", expected "boolean"');
  });

  it('kubectl explain reads v3, with or without --api-version, and v2 with --output=plaintext-openapiv2', async () => {
    const v3 = await kubectlOk(sys, ['explain', 'pods']);
    expect(v3).toMatch(/^KIND:\s+Pod\nVERSION:\s+v1\n/);
    expect(v3).toContain('FIELDS:');
    expect(await kubectlOk(sys, ['explain', '--api-version=v1', 'pods'])).toBe(v3);
    const v2 = await kubectlOk(sys, ['explain', 'deployments.spec.template.spec.containers', '--output=plaintext-openapiv2']);
    expect(v2).toMatch(/^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n\nRESOURCE: containers <\[\]Object>\n/);
    expect(v2).toMatch(/\n {3}image\t<string>\n/);
  });
});
