import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEncryptionConfig, loadEncryptionConfig, openEnvelope, EncryptionConfigError, type ResourceTransformer } from './config.ts';
import { secretboxOpen, secretboxSeal } from './secretbox.ts';

const KEY16 = Buffer.alloc(16, 1).toString('base64');
const KEY32A = Buffer.alloc(32, 2).toString('base64');
const KEY32B = Buffer.alloc(32, 3).toString('base64');

const config = (resources: unknown[]) => ({ kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1', resources });
const enc = new TextEncoder();
const dec = new TextDecoder();

function transformer(providers: unknown[], resource = 'secrets'): ResourceTransformer {
  return buildEncryptionConfig(config([{ resources: [resource], providers }])).transformerFor('', resource)!;
}

describe('secretbox (XSalsa20-Poly1305)', () => {
  it('seals exactly as NaCl does (vector from tweetnacl 1.0.3)', () => {
    const sealed = secretboxSeal(enc.encode('capstan secretbox vector: the quick brown fox jumps over the lazy dog'), Buffer.alloc(24, 9), Buffer.alloc(32, 7));
    expect(Buffer.from(sealed).toString('hex')).toBe(
      '9b40a45e9c948ff146c2c30f5afda4d8ef2b63854b305ccc7711719acf40d73d18bdf857373ba1afb206986682e4211d25b6c6afb5e111536ccb7c3724adf60f5613ff85fb5c27214be029948e983cdd131d54f597');
  });

  it('opens what it sealed and refuses a tampered box', () => {
    const key = Buffer.alloc(32, 5);
    const nonce = Buffer.alloc(24, 6);
    const msg = Buffer.alloc(1000, 0x61);
    const box = secretboxSeal(msg, nonce, key);
    expect(Buffer.from(secretboxOpen(box, nonce, key)!).equals(msg)).toBe(true);
    box[500] ^= 1;
    expect(secretboxOpen(box, nonce, key)).toBeUndefined();
  });
});

describe('EncryptionConfiguration', () => {
  it.each(['aescbc', 'aesgcm', 'secretbox'])('%s writes k8s:enc:<provider>:v1:<key>: envelopes and reads them back', (name) => {
    const t = transformer([{ [name]: { keys: [{ name: 'key1', secret: KEY32A }] } }]);
    const envelope = t.providers[0]!.seal(enc.encode('{"data":{"a":"c2VjcmV0"}}'), '/registry/core/secrets/ns/s');
    expect(envelope.startsWith(`k8s:enc:${name}:v1:key1:`)).toBe(true);
    expect(envelope).not.toContain('c2VjcmV0');
    const opened = openEnvelope(t, envelope, '/registry/core/secrets/ns/s');
    expect(dec.decode(opened.plain)).toBe('{"data":{"a":"c2VjcmV0"}}');
    expect(opened.stale).toBe(false);
  });

  it('binds an AES-GCM envelope to its storage key, as upstream does with the key as additional data', () => {
    const t = transformer([{ aesgcm: { keys: [{ name: 'k', secret: KEY16 }] } }]);
    const envelope = t.providers[0]!.seal(enc.encode('{}'), '/registry/core/secrets/ns/a');
    expect(() => openEnvelope(t, envelope, '/registry/core/secrets/ns/b')).toThrow('cipher: message authentication failed');
  });

  it('reads with every key and provider, and marks a read by any but the first as stale', () => {
    const old = transformer([{ aescbc: { keys: [{ name: 'key1', secret: KEY32A }] } }]);
    const envelope = old.providers[0]!.seal(enc.encode('{"x":1}'), '/k');
    const rotated = transformer([{ aescbc: { keys: [{ name: 'key2', secret: KEY32B }, { name: 'key1', secret: KEY32A }] } }]);
    expect(openEnvelope(rotated, envelope, '/k')).toMatchObject({ stale: true });
    expect(rotated.providers[0]!.seal(enc.encode('{}'), '/k').startsWith('k8s:enc:aescbc:v1:key2:')).toBe(true);
    const otherProviderFirst = transformer([{ secretbox: { keys: [{ name: 'sb', secret: KEY32B }] } }, { aescbc: { keys: [{ name: 'key1', secret: KEY32A }] } }]);
    const opened = openEnvelope(otherProviderFirst, envelope, '/k');
    expect(dec.decode(opened.plain)).toBe('{"x":1}');
    expect(opened.stale).toBe(true);
    const unrelated = transformer([{ aescbc: { keys: [{ name: 'other', secret: KEY32B }] } }]);
    expect(() => openEnvelope(unrelated, envelope, '/k')).toThrow('no matching key was found for the provided AES transformer');
    const identityOnly = transformer([{ identity: {} }]);
    expect(() => openEnvelope(identityOnly, envelope, '/k')).toThrow('no matching prefix found');
  });

  it('picks the exact resource, then group/*, then */*', () => {
    const cfg = buildEncryptionConfig(config([
      { resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'a', secret: KEY32A }] } }] },
      { resources: ['*.apps'], providers: [{ aesgcm: { keys: [{ name: 'b', secret: KEY32A }] } }] },
      { resources: ['*.*'], providers: [{ secretbox: { keys: [{ name: 'c', secret: KEY32A }] } }] },
    ]));
    expect(cfg.transformerFor('', 'secrets')!.providers[0]!.name).toBe('aescbc');
    expect(cfg.transformerFor('apps', 'deployments')!.providers[0]!.name).toBe('aesgcm');
    expect(cfg.transformerFor('', 'configmaps')!.providers[0]!.name).toBe('secretbox');
    const only = buildEncryptionConfig(config([{ resources: ['secrets'], providers: [{ identity: {} }] }]));
    expect(only.transformerFor('', 'configmaps')).toBeUndefined();
  });

  it.each([
    [[{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'k', secret: Buffer.alloc(8).toString('base64') }] } }] }],
      'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]'],
    [[{ resources: ['secrets'], providers: [{ secretbox: { keys: [{ name: 'k', secret: KEY16 }] } }] }],
      'resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]'],
    [[{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name: 'k', secret: 'not base64!' }] } }] }],
      'resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded'],
    [[{ resources: ['secrets'], providers: [{ identity: {}, aescbc: { keys: [{ name: 'k', secret: KEY16 }] } }] }],
      'more than one provider specified in a single element, should split into different list elements'],
    [[{ resources: ['secrets', '*.'], providers: [{ identity: {} }] }],
      "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"],
    [[{ resources: ['Secrets'], providers: [{ identity: {} }] }], 'resource name should not contain capital letters'],
    [[{ resources: ['events.events.k8s.io'], providers: [{ identity: {} }] }], "Use 'events' instead in the config file"],
    [[{ resources: [], providers: [] }], 'resources[0].resources: Required value: at least one resources[0].resources is required'],
    [[{ resources: ['*.'], providers: [{ identity: {} }] }, { resources: ['secrets'], providers: [{ identity: {} }] }],
      'resource "secrets" is masked by earlier rule "*."'],
  ])('refuses an invalid configuration (%#)', (resources, message) => {
    expect(() => buildEncryptionConfig(config(resources))).toThrow(EncryptionConfigError);
    expect(() => buildEncryptionConfig(config(resources))).toThrow(message);
  });

  it('loads the upstream YAML file format and refuses an empty file or another kind', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capstan-enc-'));
    const file = path.join(dir, 'enc.yaml');
    writeFileSync(file, [
      'apiVersion: apiserver.config.k8s.io/v1',
      'kind: EncryptionConfiguration',
      'resources:',
      '  - resources: [secrets]',
      '    providers:',
      '      - aescbc:',
      '          keys:',
      `            - {name: key1, secret: ${KEY32A}}`,
      '      - identity: {}',
    ].join('\n'));
    const t = loadEncryptionConfig(file).transformerFor('', 'secrets')!;
    expect(t.providers.map((p) => p.name)).toEqual(['aescbc', 'identity']);
    writeFileSync(file, '');
    expect(() => loadEncryptionConfig(file)).toThrow('is empty');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\n');
    expect(() => loadEncryptionConfig(file)).toThrow('got unexpected config type');
  });
});
