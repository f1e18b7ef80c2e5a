// API machinery through the real kubectl: discovery, the everyday commands (several of which
// send protobuf bodies), output formats, patches, apply, watch and wait.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';

let sys: System;
const tmp = mkdtempSync(path.join(tmpdir(), 'capstan-kubectl-'));
let nsSeq = 0;
const ns = () => `kc-${process.pid}-${nsSeq++}`;

// The same commands on both store backends: the embedded PGlite and a real PostgreSQL.
describe.each(['embedded', 'postgresql'] as const)('kubectl against Capstan (%s store)', (store) => {
  beforeAll(async () => { sys = await startSystem({ store }); });
  afterAll(async () => { await sys?.stop(); });

  it('reports a 1.32 server version', async () => {
    const out = await kubectlOk(sys, ['version', '-o', 'json']);
    const v = JSON.parse(out) as { serverVersion: { major: string; minor: string; gitVersion: string } };
    expect(v.serverVersion.major).toBe('1');
    expect(v.serverVersion.minor).toBe('32');
  });

  it('lists api-resources with short names, API versions, scope and kind', async () => {
    const out = await kubectlOk(sys, ['api-resources', '--no-headers']);
    const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const byName = new Map(rows.map((r) => [r[0], r]));
    expect(byName.get('configmaps')).toEqual(['configmaps', 'cm', 'v1', 'true', 'ConfigMap']);
    expect(byName.get('namespaces')).toEqual(['namespaces', 'ns', 'v1', 'false', 'Namespace']);
    expect(byName.get('pods')).toEqual(['pods', 'po', 'v1', 'true', 'Pod']);
    expect(byName.get('secrets')).toEqual(['secrets', 'v1', 'true', 'Secret']);
  });

  it('lists api-versions', async () => {
    const out = await kubectlOk(sys, ['api-versions']);
    expect(out.split('\n')).toContain('v1');
  });

  it('creates a namespace, a configmap, a secret and a service account (protobuf bodies)', async () => {
    const n = ns();
    expect(await kubectlOk(sys, ['create', 'namespace', n])).toContain(`namespace/${n} created`);
    await kubectlOk(sys, ['create', 'configmap', 'c1', '-n', n, '--from-literal=a=b', '--from-literal=c=d']);
    await kubectlOk(sys, ['create', 'secret', 'generic', 's1', '-n', n, '--from-literal=k=v']);
    await kubectlOk(sys, ['create', 'serviceaccount', 'robot', '-n', n]);
    const cm = JSON.parse(await kubectlOk(sys, ['get', 'cm', 'c1', '-n', n, '-o', 'json'])) as { data: Record<string, string> };
    expect(cm.data).toEqual({ a: 'b', c: 'd' });
    const secret = JSON.parse(await kubectlOk(sys, ['get', 'secret', 's1', '-n', n, '-o', 'json'])) as { data: Record<string, string>; type: string };
    expect(Buffer.from(secret.data.k!, 'base64').toString()).toBe('v');
    expect(secret.type).toBe('Opaque');
    expect(await kubectlOk(sys, ['get', 'sa', 'robot', '-n', n, '-o', 'name'])).toBe('serviceaccount/robot\n');
  });

  it('prints tables as upstream: get, -o wide, -A, -l, --field-selector, --show-labels', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'configmap', 'one', '-n', n, '--from-literal=a=b']);
    await kubectlOk(sys, ['create', 'configmap', 'two', '-n', n]);
    await kubectlOk(sys, ['label', 'configmap', 'one', '-n', n, 'tier=web']);
    const table = await kubectlOk(sys, ['get', 'configmaps', '-n', n]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(table).toMatch(/one\s+1\s+\d+s/);
    expect(await kubectlOk(sys, ['get', 'cm', '-n', n, '-l', 'tier=web', '-o', 'name'])).toBe('configmap/one\n');
    // Every namespace also holds kube-root-ca.crt (the root CA publisher), unlabelled as upstream's.
    await kubectlOk(sys, ['label', 'configmap', 'two', '-n', n, 'tier=db']);
    expect(await kubectlOk(sys, ['get', 'cm', '-n', n, '-l', 'tier,tier!=web', '-o', 'name'])).toBe('configmap/two\n');
    expect(await kubectlOk(sys, ['get', 'cm', '-n', n, '--field-selector', 'metadata.name=two', '-o', 'name'])).toBe('configmap/two\n');
    const all = await kubectlOk(sys, ['get', 'cm', '-A']);
    expect(all.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+DATA\s+AGE$/);
    expect(all).toContain(n);
    expect(await kubectlOk(sys, ['get', 'cm', 'one', '-n', n, '--show-labels'])).toMatch(/LABELS\n.*tier=web/);
    const nsTable = await kubectlOk(sys, ['get', 'ns', n]);
    expect(nsTable).toMatch(new RegExp(`^NAME\\s+STATUS\\s+AGE\\n${n}\\s+Active\\s+\\d+s`));
  });

  it('answers a field selector the resource does not support with upstream\'s error', async () => {
    const r = await kubectl(sys, ['get', 'cm', '--field-selector', 'spec.foo=bar']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
    const pods = await kubectl(sys, ['get', 'pods', '--field-selector', 'spec.foo=bar']);
    expect(pods.stderr).toContain('field label not supported: spec.foo');
  });

  it('prints -o yaml, -o json, jsonpath and custom-columns', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'configmap', 'c', '-n', n, '--from-literal=k=v']);
    const y = await kubectlOk(sys, ['get', 'cm', 'c', '-n', n, '-o', 'yaml']);
    expect(y).toMatch(/^apiVersion: v1\ndata:\n {2}k: v\nkind: ConfigMap\n/);
    expect(y).toMatch(/resourceVersion: "\d+"/);
    expect(await kubectlOk(sys, ['get', 'cm', 'c', '-n', n, '-o', 'jsonpath={.data.k}'])).toBe('v');
    const cc = await kubectlOk(sys, ['get', 'cm', '-n', n, '-o', 'custom-columns=NAME:.metadata.name,K:.data.k']);
    expect(cc).toMatch(/NAME\s+K\nc\s+v/);
  });

  it('pages with --chunk-size and returns every object once', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    for (let i = 0; i < 7; i++) await kubectlOk(sys, ['create', 'configmap', `p${i}`, '-n', n]);
    const out = await kubectlOk(sys, ['get', 'cm', '-n', n, '--chunk-size=2', '-o', 'name']);
    expect(out.trim().split('\n').filter((l) => l !== 'configmap/kube-root-ca.crt')).toEqual(Array.from({ length: 7 }, (_, i) => `configmap/p${i}`));
  });

  it('labels, annotates and patches with all three patch types', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'configmap', 'p', '-n', n, '--from-literal=a=1']);
    await kubectlOk(sys, ['label', 'cm', 'p', '-n', n, 'x=y']);
    await kubectlOk(sys, ['annotate', 'cm', 'p', '-n', n, 'note=hello']);
    await kubectlOk(sys, ['patch', 'cm', 'p', '-n', n, '-p', '{"data":{"b":"2"}}']);
    await kubectlOk(sys, ['patch', 'cm', 'p', '-n', n, '--type=merge', '-p', '{"data":{"a":null}}']);
    await kubectlOk(sys, ['patch', 'cm', 'p', '-n', n, '--type=json', '-p', '[{"op":"add","path":"/data/c","value":"3"}]']);
    const cm = JSON.parse(await kubectlOk(sys, ['get', 'cm', 'p', '-n', n, '-o', 'json'])) as { data: object; metadata: { labels: object; annotations: object } };
    expect(cm.data).toEqual({ b: '2', c: '3' });
    expect(cm.metadata.labels).toEqual({ x: 'y' });
    expect(cm.metadata.annotations).toEqual({ note: 'hello' });
    const bad = await kubectl(sys, ['patch', 'cm', 'p', '-n', n, '--type=json', '-p', '[{"op":"test","path":"/data/b","value":"nope"}]']);
    expect(bad.code).not.toBe(0);
  });

  it('applies client-side twice idempotently, then a change', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const file = path.join(tmp, `${n}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${n}\n  labels: {app: web}\ndata:\n  key: one\n`);
    expect(await kubectlOk(sys, ['apply', '-f', file])).toContain('configmap/applied created');
    expect(await kubectlOk(sys, ['apply', '-f', file])).toContain('configmap/applied unchanged');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${n}\ndata:\n  other: two\n`);
    expect(await kubectlOk(sys, ['apply', '-f', file])).toContain('configmap/applied configured');
    const cm = JSON.parse(await kubectlOk(sys, ['get', 'cm', 'applied', '-n', n, '-o', 'json'])) as { data: object; metadata: { labels?: object } };
    // Fields dropped from the manifest are removed (three-way merge against last-applied).
    expect(cm.data).toEqual({ other: 'two' });
    expect(cm.metadata.labels).toBeUndefined();
  });

  it('creates from a multi-document file with create -f', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const file = path.join(tmp, `${n}-create.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n  namespace: ${n}\ndata: {a: b}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: two\n  namespace: ${n}\nstringData: {k: v}\n`);
    const out = await kubectlOk(sys, ['create', '-f', file]);
    expect(out).toContain('configmap/one created');
    expect(out).toContain('secret/two created');
    expect(Buffer.from(await kubectlOk(sys, ['get', 'secret', 'two', '-n', n, '-o', 'jsonpath={.data.k}']), 'base64').toString()).toBe('v');
    const again = await kubectl(sys, ['create', '-f', file]);
    expect(again.stderr).toContain('Error from server (AlreadyExists): error when creating');
  });

  it('applies server-side twice, refuses a conflicting manager, and takes over with --force-conflicts', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const file = path.join(tmp, `${n}-ssa.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: ${n}\ndata:\n  k: mine\n`);
    expect(await kubectlOk(sys, ['apply', '--server-side', '-f', file])).toContain('configmap/ssa serverside-applied');
    const first = await kubectlOk(sys, ['get', 'cm', 'ssa', '-n', n, '-o', 'jsonpath={.metadata.resourceVersion}']);
    await kubectlOk(sys, ['apply', '--server-side', '-f', file]);
    expect(await kubectlOk(sys, ['get', 'cm', 'ssa', '-n', n, '-o', 'jsonpath={.metadata.resourceVersion}'])).toBe(first);
    await kubectlOk(sys, ['patch', 'cm', 'ssa', '-n', n, '--field-manager=intruder', '-p', '{"data":{"k":"theirs"}}']);
    const conflict = await kubectl(sys, ['apply', '--server-side', '-f', file]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "intruder" using v1: .data.k');
    await kubectlOk(sys, ['apply', '--server-side', '--force-conflicts', '-f', file]);
    const cm = JSON.parse(await kubectlOk(sys, ['get', 'cm', 'ssa', '-n', n, '-o', 'json', '--show-managed-fields'])) as { data: { k: string }; metadata: { managedFields: Array<{ manager: string; operation: string }> } };
    expect(cm.data.k).toBe('mine');
    expect(cm.metadata.managedFields.map((m) => [m.manager, m.operation])).toContainEqual(['kubectl', 'Apply']);
  });

  it('prints pods with -o wide columns', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['run', 'web', '-n', n, '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
    const out = await kubectlOk(sys, ['get', 'pods', '-n', n, '-o', 'wide']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(out).toMatch(/web\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>/);
  });

  it('edits an object with a scripted EDITOR', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'configmap', 'e', '-n', n, '--from-literal=color=red']);
    const editor = path.join(tmp, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/color: red/color: blue/" "$1"\n');
    chmodSync(editor, 0o755);
    expect(await kubectlOk(sys, ['edit', 'cm', 'e', '-n', n], { env: { KUBE_EDITOR: editor } })).toContain('configmap/e edited');
    expect(await kubectlOk(sys, ['get', 'cm', 'e', '-n', n, '-o', 'jsonpath={.data.color}'])).toBe('blue');
  });

  it('describes a configmap', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'configmap', 'd', '-n', n, '--from-literal=k=v']);
    const out = await kubectlOk(sys, ['describe', 'cm', 'd', '-n', n]);
    expect(out).toMatch(/Name:\s+d\nNamespace:\s+/);
    expect(out).toContain('Data\n====\nk:\n----\nv');
  });

  it('explains a field from the OpenAPI schema', async () => {
    const out = await kubectlOk(sys, ['explain', 'pods.spec.containers']);
    expect(out).toContain('KIND:       Pod');
    expect(out).toMatch(/FIELD:\s+containers <\[\]Container>/);
    expect(out).toMatch(/image\s+<string>/);
  });

  it('deletes, and kubectl wait --for=delete returns when the object is gone', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'configmap', 'gone', '-n', n]);
    const waiting = kubectlOk(sys, ['wait', '--for=delete', 'cm/gone', '-n', n, '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 500));
    expect(await kubectlOk(sys, ['delete', 'cm', 'gone', '-n', n, '--wait'])).toContain('configmap "gone" deleted');
    expect(await waiting).toContain('condition met');
    const r = await kubectl(sys, ['get', 'cm', 'gone', '-n', n]);
    expect(r.stderr).toContain('Error from server (NotFound): configmaps "gone" not found');
  });

  it('streams later changes to get -w', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const watching = kubectl(sys, ['get', 'cm', '-n', n, '-w', '--request-timeout=6s'], { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 1500));
    await kubectlOk(sys, ['create', 'configmap', 'w', '-n', n, '--from-literal=a=b']);
    await kubectlOk(sys, ['label', 'cm', 'w', '-n', n, 'x=y']);
    const out = (await watching).stdout;
    const rows = out.trim().split('\n').filter((l) => l.startsWith('w '));
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const r = await kubectl(sys, ['create', 'configmap', 'x', '-n', 'does-not-exist']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('namespaces "does-not-exist" not found');
  });
});
