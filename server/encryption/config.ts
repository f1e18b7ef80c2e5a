// Encryption at rest: upstream's EncryptionConfiguration (apiserver.config.k8s.io/v1, the file
// behind --encryption-provider-config) read, validated and turned into one value transformer per
// group/resource. Providers are identity, aescbc, aesgcm and secretbox; the first provider (and
// within it the first key) encrypts every write, all of them are tried on reads, and a read by
// any but the first is "stale" so the next write re-encrypts it (key rotation). Upstream:
// apiserver/pkg/server/options/encryptionconfig/config.go, apis/apiserver/validation,
// storage/value/encrypt/{aes,secretbox,identity}.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { load, CORE_SCHEMA } from 'js-yaml';
import { secretboxOpen, secretboxSeal, SECRETBOX_NONCE_BYTES, SECRETBOX_OVERHEAD } from './secretbox.ts';

export interface EncryptionKey { name: string; secret: string }

/** One element of `resources[].providers`: exactly one of these is set. */
export interface ProviderConfiguration {
  identity?: Record<string, never>;
  aescbc?: { keys: EncryptionKey[] };
  aesgcm?: { keys: EncryptionKey[] };
  secretbox?: { keys: EncryptionKey[] };
  kms?: unknown;
}

export interface ResourceConfiguration { resources: string[]; providers: ProviderConfiguration[] }

export interface EncryptionConfiguration {
  kind?: string;
  apiVersion?: string;
  resources: ResourceConfiguration[];
}

/** What a read of a stored value gives back: the plain bytes, and whether a newer key should rewrite them. */
export interface Opened { plain: Uint8Array; stale: boolean }

/**
 * One provider as stored values see it. Its envelopes are text, because the store's value column
 * is: the provider's prefix and key name in the clear as upstream writes them
 * (`k8s:enc:aescbc:v1:key1:`), then the ciphertext in base64. Identity has the empty prefix;
 * what it stores is the plain object itself.
 */
export interface Provider {
  name: 'identity' | 'aescbc' | 'aesgcm' | 'secretbox';
  prefix: string;
  /** Seals plain bytes for `key` (the storage key, GCM's additional data) into an envelope. */
  seal(plain: Uint8Array, key: string): string;
  /** Opens an envelope that starts with this provider's prefix. */
  open(envelope: string, key: string): Opened;
}

/** The providers of one group/resource, in configuration order: the first writes, all read. */
export interface ResourceTransformer {
  providers: Provider[];
}

/** A loaded configuration: which transformer serves a group/resource. */
export interface EncryptionConfig {
  /** The transformer for a group ("" for core) and resource, or undefined to store in the clear. */
  transformerFor(group: string, resource: string): ResourceTransformer | undefined;
}

export class EncryptionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionConfigError';
  }
}

/** Reads and validates the file given with --encryption-provider-config. */
export function loadEncryptionConfig(path: string): EncryptionConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EncryptionConfigError(`error while loading file: error reading encryption provider configuration file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  if (text.trim() === '') throw new EncryptionConfigError(`error while loading file: encryption provider configuration file ${JSON.stringify(path)} is empty`);
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE_SCHEMA, json: true });
  } catch (e) {
    throw new EncryptionConfigError(`error decoding encryption provider configuration file ${JSON.stringify(path)}: ${(e as Error).message.split('\n')[0]}`);
  }
  return buildEncryptionConfig(doc);
}

/** Validates a decoded EncryptionConfiguration and builds its transformers. */
export function buildEncryptionConfig(doc: unknown): EncryptionConfig {
  const cfg = doc as EncryptionConfiguration | null;
  if (!cfg || typeof cfg !== 'object' || cfg.kind !== 'EncryptionConfiguration' || cfg.apiVersion !== 'apiserver.config.k8s.io/v1') {
    const o = (cfg ?? {}) as { kind?: unknown; apiVersion?: unknown };
    throw new EncryptionConfigError(`got unexpected config type: ${String(o.apiVersion ?? '')}, Kind=${String(o.kind ?? '')}`);
  }
  const errs = validateEncryptionConfiguration(cfg);
  if (errs.length) throw new EncryptionConfigError(errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);

  const byResource = new Map<string, Provider[]>();
  for (const rc of cfg.resources) {
    const providers = rc.providers.map(buildProvider);
    for (const resource of rc.resources) {
      const gr = parseGroupResource(resource);
      // An earlier *.group or *.* rule would hide this one: upstream refuses such a file.
      for (const masking of [grKey(gr.group, '*'), grKey('*', '*')]) {
        if (byResource.has(masking)) {
          const [g, r] = masking.split('\u0000');
          throw new EncryptionConfigError(`error while building transformers: resource ${JSON.stringify(grString(gr.group, gr.resource))} is masked by earlier rule ${JSON.stringify(grString(g!, r!))}`);
        }
      }
      const key = grKey(gr.group, gr.resource);
      byResource.set(key, [...(byResource.get(key) ?? []), ...providers]);
    }
  }
  const transformers = new Map([...byResource].map(([k, providers]) => [k, { providers }]));
  return {
    transformerFor(group, resource) {
      // Upstream's transformerFromOverrides: the exact resource, then group/*, then */*.
      return transformers.get(grKey(group, resource)) ?? transformers.get(grKey(group, '*')) ?? transformers.get(grKey('*', '*'));
    },
  };
}

const grKey = (group: string, resource: string) => `${group}\u0000${resource}`;
const grString = (group: string, resource: string) => (group === '' ? (resource === '*' ? '*.' : resource) : `${resource}.${group}`);

/** schema.ParseGroupResource: "secrets" → core secrets, "deployments.apps", "*.apps", "*.", "*.*". */
export function parseGroupResource(s: string): { group: string; resource: string } {
  const dot = s.indexOf('.');
  return dot < 0 ? { group: '', resource: s } : { group: s.slice(dot + 1), resource: s.slice(0, dot) };
}

// Upstream's validation texts (validation_encryption.go).
const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];

export function validateEncryptionConfiguration(cfg: EncryptionConfiguration): string[] {
  const errs: string[] = [];
  if (!Array.isArray(cfg.resources) || cfg.resources.length === 0) return ['resources: Required value: at least one resources is required'];
  cfg.resources.forEach((rc, i) => {
    const r = `resources[${i}].resources`;
    const p = `resources[${i}].providers`;
    const resources = Array.isArray(rc?.resources) ? rc.resources : [];
    if (resources.length === 0) errs.push(`${r}: Required value: at least one ${r} is required`);
    errs.push(...validateResourceOverlap(resources, r));
    resources.forEach((res, j) => {
      const at = `${r}[${j}]: Invalid value: ${JSON.stringify(res)}: `;
      const gr = parseGroupResource(String(res));
      if (typeof res !== 'string' || /[A-Z]/.test(res)) errs.push(`${at}resource name should not contain capital letters`);
      else if (res === '*') errs.push(`${at}use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources`);
      else if (['apiserveripinfo', 'serviceipallocations', 'servicenodeportallocations'].includes(res)) errs.push(`${at}resources which do not have REST API/s cannot be encrypted`);
      else if (gr.group === 'events.k8s.io') errs.push(`${at}'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file`);
      else if (gr.group === 'extensions') errs.push(`${at}'extensions' group has been removed and cannot be used for encryption`);
      else if (gr.group === '*' && gr.resource !== '*') errs.push(`${at}encrypting the same resource across groups is not supported`);
    });
    const providers = Array.isArray(rc?.providers) ? rc.providers : [];
    if (providers.length === 0) errs.push(`${p}: Required value: at least one ${p} is required`);
    providers.forEach((prov, j) => {
      const path = `${p}[${j}]`;
      const set = (['kms', 'aesgcm', 'aescbc', 'secretbox', 'identity'] as const).filter((k) => prov && typeof prov === 'object' && prov[k] !== undefined && prov[k] !== null);
      if (set.length === 0) {
        errs.push(`${path}: Invalid value: ${JSON.stringify(prov)}: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity`);
        return;
      }
      if (set.length > 1) {
        errs.push(`${path}: Invalid value: ${JSON.stringify(prov)}: more than one provider specified in a single element, should split into different list elements`);
        return;
      }
      const which = set[0]!;
      if (which === 'kms') errs.push(`${path}.kms: Unsupported value: KMS providers are not supported by Capstan; use aescbc, aesgcm or secretbox`);
      if (which === 'aescbc' || which === 'aesgcm') errs.push(...validateKeys(prov[which]!.keys, `${path}.${which}.keys`, AES_KEY_SIZES));
      if (which === 'secretbox') errs.push(...validateKeys(prov.secretbox!.keys, `${path}.secretbox.keys`, SECRETBOX_KEY_SIZES));
    });
  });
  return errs;
}

function validateResourceOverlap(resources: string[], path: string): string[] {
  if (resources.length < 2) return [];
  const grs = resources.map((r) => parseGroupResource(String(r)));
  let duplicate = false;
  let overlap = false;
  grs.forEach((a, i) => grs.forEach((b, j) => {
    if (i === j) return;
    if (a.group === b.group && a.resource === b.resource) { duplicate = true; return; }
    if (a.group === '*' && a.resource === '*') overlap = true;
    else if (a.group === b.group && (a.resource === '*' || b.resource === '*')) overlap = true;
  }));
  const at = `${path}: Invalid value: ${JSON.stringify(resources)}: `;
  const errs: string[] = [];
  if (duplicate) errs.push(`${at}the same resource cannot be specified multiple times`);
  if (overlap) errs.push(`${at}using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked`);
  return errs;
}

function validateKeys(keys: EncryptionKey[] | undefined, path: string, sizes: number[]): string[] {
  if (!Array.isArray(keys) || keys.length === 0) return [`${path}: Required value: at least one keys is required`];
  const errs: string[] = [];
  keys.forEach((key, i) => {
    const at = `${path}[${i}]`;
    if (!key?.name) errs.push(`${at}.name: Required value: name is a mandatory field for a key`);
    if (!key?.secret) {
      errs.push(`${at}.secret: Required value: secret is a mandatory field for a key`);
      return;
    }
    const secret = decodeBase64Strict(key.secret);
    if (!secret) {
      errs.push(`${at}.secret: Invalid value: "REDACTED": secrets must be base64 encoded`);
      return;
    }
    if (!sizes.includes(secret.length)) {
      errs.push(`${at}.secret: Invalid value: "REDACTED": secret is not of the expected length, got ${secret.length}, expected one of [${sizes.join(' ')}]`);
    }
  });
  return errs;
}

/** Standard base64 with padding, as Go's base64.StdEncoding insists on; undefined otherwise. */
function decodeBase64Strict(s: string): Buffer | undefined {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

const enc = new TextEncoder();

function buildProvider(p: ProviderConfiguration): Provider {
  if (p.identity !== undefined) return identityProvider;
  if (p.aescbc) return keyedProvider('aescbc', p.aescbc.keys, aescbc);
  if (p.aesgcm) return keyedProvider('aesgcm', p.aesgcm.keys, aesgcm);
  if (p.secretbox) return keyedProvider('secretbox', p.secretbox.keys, secretbox);
  throw new EncryptionConfigError('provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity');
}

/** Upstream's identity provider: plain values, but never something another provider encrypted. */
const identityProvider: Provider = {
  name: 'identity',
  prefix: '',
  seal: () => { throw new Error('identity stores objects as they are'); },
  open(envelope) {
    if (envelope.startsWith(ENCRYPTED_PREFIX)) throw new Error('identity transformer tried to read encrypted data');
    throw new Error('no matching prefix found');
  },
};

export const ENCRYPTED_PREFIX = 'k8s:enc:';

interface Cipher {
  seal(secret: Buffer, plain: Uint8Array, key: string): Uint8Array;
  open(secret: Buffer, data: Uint8Array, key: string): Uint8Array;
}

/**
 * `k8s:enc:<provider>:v1:<keyname>:<ciphertext>`: the provider's prefix, then one key's name;
 * the first key writes, any key reads (and a read by a later key is stale).
 */
function keyedProvider(name: 'aescbc' | 'aesgcm' | 'secretbox', keys: EncryptionKey[], cipher: Cipher): Provider {
  const prefix = `k8s:enc:${name}:v1:`;
  const named = keys.map((k) => ({ prefix: `${prefix}${k.name}:`, secret: Buffer.from(k.secret, 'base64') }));
  return {
    name,
    prefix,
    seal(plain, key) {
      const first = named[0]!;
      return first.prefix + Buffer.from(cipher.seal(first.secret, plain, key)).toString('base64');
    },
    open(envelope, key) {
      let lastErr: Error | undefined;
      for (const [i, k] of named.entries()) {
        if (!envelope.startsWith(k.prefix)) continue;
        try {
          const data = Buffer.from(envelope.slice(k.prefix.length), 'base64');
          return { plain: cipher.open(k.secret, data, key), stale: i !== 0 };
        } catch (e) {
          lastErr = e as Error;
        }
      }
      throw lastErr ?? new Error(`no matching key was found for the provided ${name === 'secretbox' ? 'Secretbox' : 'AES'} transformer`);
    },
  };
}

const cbcAlgorithm = (secret: Buffer) => `aes-${secret.length * 8}-cbc`;
const gcmAlgorithm = (secret: Buffer) => `aes-${secret.length * 8}-gcm` as CipherGCMTypes;

/** AES-CBC with PKCS#7 padding: a random 16-byte IV, then the ciphertext. */
const aescbc: Cipher = {
  seal(secret, plain) {
    const iv = randomBytes(16);
    const c = createCipheriv(cbcAlgorithm(secret), secret, iv);
    return concat(iv, c.update(plain), c.final());
  },
  open(secret, data) {
    if (data.length < 16) throw new Error('the stored data was shorter than the required size');
    if ((data.length - 16) % 16 !== 0) throw new Error('the stored data is not a multiple of the block size');
    const d = createDecipheriv(cbcAlgorithm(secret), secret, data.subarray(0, 16));
    try {
      return concat(d.update(data.subarray(16)), d.final());
    } catch {
      throw new Error('invalid padding on input');
    }
  },
};

/** AES-GCM: a random 12-byte nonce, the ciphertext, the 16-byte tag; the storage key is the additional data. */
const aesgcm: Cipher = {
  seal(secret, plain, key) {
    const nonce = randomBytes(12);
    const c = createCipheriv(gcmAlgorithm(secret), secret, nonce);
    c.setAAD(enc.encode(key));
    const body = concat(c.update(plain), c.final());
    return concat(nonce, body, c.getAuthTag());
  },
  open(secret, data, key) {
    if (data.length < 12 + 16) throw new Error('the stored data was shorter than the required size');
    const d = createDecipheriv(gcmAlgorithm(secret), secret, data.subarray(0, 12));
    d.setAAD(enc.encode(key));
    d.setAuthTag(data.subarray(data.length - 16));
    try {
      return concat(d.update(data.subarray(12, data.length - 16)), d.final());
    } catch {
      throw new Error('cipher: message authentication failed');
    }
  },
};

/** NaCl secretbox: a random 24-byte nonce, then the sealed box. */
const secretbox: Cipher = {
  seal(secret, plain) {
    const nonce = randomBytes(SECRETBOX_NONCE_BYTES);
    return concat(nonce, secretboxSeal(plain, nonce, secret));
  },
  open(secret, data) {
    if (data.length < SECRETBOX_NONCE_BYTES + SECRETBOX_OVERHEAD) throw new Error('the stored data was shorter than the required size');
    const plain = secretboxOpen(data.subarray(SECRETBOX_NONCE_BYTES), data.subarray(0, SECRETBOX_NONCE_BYTES), secret);
    if (!plain) throw new Error('output array was not large enough for encryption');
    return plain;
  },
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

/**
 * Opens an envelope with a resource's providers, in order (upstream's prefixTransformers): the
 * first whose prefix matches and that opens it wins; stale unless it is the first provider.
 */
export function openEnvelope(t: ResourceTransformer, envelope: string, key: string): Opened {
  const errs: Error[] = [];
  for (const [i, p] of t.providers.entries()) {
    // Identity matches everything but reads no envelope: its refusal is never the answer.
    if (p.prefix === '' || !envelope.startsWith(p.prefix)) continue;
    try {
      const opened = p.open(envelope, key);
      return { plain: opened.plain, stale: opened.stale || i !== 0 };
    } catch (e) {
      errs.push(e as Error);
    }
  }
  if (errs.length === 1) throw errs[0]!;
  if (errs.length > 1) throw new Error(`[${errs.map((e) => e.message).join(', ')}]`);
  throw new Error('no matching prefix found');
}

/** Where identity sits among a resource's providers (-1: plain values cannot be read). */
export const identityIndex = (t: ResourceTransformer): number => t.providers.findIndex((p) => p.name === 'identity');
