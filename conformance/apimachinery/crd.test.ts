// CustomResourceDefinitions through the real kubectl: a CRD makes its resource served (discovery,
// OpenAPI, kubectl get/explain) within a second, validates and prunes by its schema, prints its
// columns, and takes its objects with it when deleted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';

let sys: System;
const tmp = mkdtempSync(path.join(tmpdir(), 'capstan-crd-'));

beforeAll(async () => { sys = await startSystem(); });
afterAll(async () => { await sys?.stop(); });

const crdYaml = (group: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, shortNames: [gd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, blue], default: red}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

describe('CustomResourceDefinitions', () => {
  it('serves a new CRD within a second, validates, defaults, prints columns and disappears with its objects', async () => {
    const group = 'capstan-test.example.com';
    const crdFile = path.join(tmp, 'crd.yaml');
    writeFileSync(crdFile, crdYaml(group));
    await kubectlOk(sys, ['apply', '-f', crdFile]);
    const t0 = Date.now();
    let listed = await kubectl(sys, ['get', 'gadgets', '-A']);
    while (listed.code !== 0 && Date.now() - t0 < 5_000) listed = await kubectl(sys, ['get', 'gadgets', '-A']);
    expect(listed.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(await kubectlOk(sys, ['api-resources', '--api-group', group, '--no-headers'])).toMatch(/gadgets\s+gd\s+capstan-test.example.com\/v1\s+true\s+Gadget/);
    const crd = JSON.parse(await kubectlOk(sys, ['get', 'crd', `gadgets.${group}`, '-o', 'json'])) as { status: { conditions: Array<{ type: string; status: string }> } };
    expect(crd.status.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));

    const good = path.join(tmp, 'good.yaml');
    writeFileSync(good, `apiVersion: ${group}/v1\nkind: Gadget\nmetadata: {name: g1, namespace: default}\nspec: {size: 3}\n`);
    await kubectlOk(sys, ['apply', '-f', good]);
    expect(await kubectlOk(sys, ['get', 'gd', 'g1', '-o', 'jsonpath={.spec.color}'])).toBe('red');
    expect(await kubectlOk(sys, ['get', 'gadgets'])).toMatch(/NAME\s+SIZE\s+AGE\ng1\s+3\s+\d+s\n/);

    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, `apiVersion: ${group}/v1\nkind: Gadget\nmetadata: {name: g2, namespace: default}\nspec: {size: 0, color: green}\n`);
    const r = await kubectl(sys, ['apply', '-f', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1');
    expect(r.stderr).toContain('spec.color: Unsupported value: "green": supported values: "red", "blue"');

    const unknown = path.join(tmp, 'unknown.yaml');
    writeFileSync(unknown, `apiVersion: ${group}/v1\nkind: Gadget\nmetadata: {name: g3, namespace: default}\nspec: {size: 1, extra: x}\n`);
    const strict = await kubectl(sys, ['apply', '-f', unknown]);
    expect(strict.stderr).toContain('unknown field "spec.extra"');
    await kubectlOk(sys, ['apply', '--validate=false', '-f', unknown]);
    expect(await kubectlOk(sys, ['get', 'gd', 'g3', '-o', 'jsonpath={.spec}'])).toBe('{"color":"red","size":1}');

    expect(await kubectlOk(sys, ['explain', 'gadgets.spec'])).toMatch(/size\s+<integer> -required-/);

    await kubectlOk(sys, ['delete', 'crd', `gadgets.${group}`]);
    const gone = await kubectl(sys, ['get', 'gadgets']);
    expect(gone.code).not.toBe(0);
    expect(await kubectlOk(sys, ['api-resources', '--api-group', group, '--no-headers']).catch(() => '')).not.toContain('gadgets');
    // Recreated, the CRD starts empty: its objects went with it.
    await kubectlOk(sys, ['apply', '-f', crdFile]);
    let again = await kubectl(sys, ['get', 'gadgets', '-A', '-o', 'name']);
    for (let i = 0; i < 50 && again.code !== 0; i++) again = await kubectl(sys, ['get', 'gadgets', '-A', '-o', 'name']);
    expect(again.stdout.trim()).toBe('');
  });
});
