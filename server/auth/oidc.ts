// ServiceAccount issuer discovery: the OpenID Connect provider configuration and the JWKS of the
// keys that sign ServiceAccount tokens, so that relying parties outside the cluster can check
// them. Upstream: pkg/serviceaccount/openidmetadata.go and pkg/routes/openidmetadata.go.
import type { KeyObject } from 'node:crypto';
import type { Request, Response } from 'express';
import { writeError } from '../endpoints/respond.ts';
import type { AuthServices } from './services.ts';
import { keyIDOf } from './serviceaccount-token.ts';

export const OPENID_CONFIG_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';
/** Upstream's static key getter caches for an hour; the responses say so. */
const MAX_AGE_SECONDS = 3600;

export interface JsonWebKey { use: 'sig'; kty: string; kid: string; crv?: string; alg: string; n?: string; e?: string; x?: string; y?: string }

const CURVE_ALGS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/** A public key as go-jose writes a JSONWebKey: use, kty, kid, crv, alg, then the key material. */
export function jwkOf(key: KeyObject): JsonWebKey {
  const jwk = key.export({ format: 'jwk' }) as { kty: string; n?: string; e?: string; crv?: string; x?: string; y?: string };
  const kid = keyIDOf(key);
  if (jwk.kty === 'RSA') return { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: jwk.n!, e: jwk.e! };
  const alg = CURVE_ALGS[jwk.crv ?? ''];
  if (jwk.kty !== 'EC' || !alg) throw new Error(`unknown public key type ${jwk.kty}`);
  return { use: 'sig', kty: 'EC', kid, crv: jwk.crv!, alg, x: jwk.x!, y: jwk.y! };
}

export function jwks(keys: KeyObject[]): { keys: JsonWebKey[] } {
  return { keys: keys.map(jwkOf) };
}

/** The discovery document: jwks_uri defaults to https://<external address>/openid/v1/jwks. */
export function openIDConfiguration(issuer: string, jwksURI: string, keys: KeyObject[]) {
  return {
    issuer,
    jwks_uri: jwksURI,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(jwks(keys).keys.map((k) => k.alg))].sort(),
  };
}

/** The two GET handlers, over the server's authentication and its external address (host:port). */
export function openIDDiscovery(services: () => AuthServices, externalAddress: () => string) {
  const send = (res: Response, type: string, body: unknown) => {
    res.status(200).setHeader('Content-Type', type);
    res.setHeader('Cache-Control', `public, max-age=${MAX_AGE_SECONDS}`);
    res.end(JSON.stringify(body));
  };
  return {
    async configuration(req: Request, res: Response): Promise<void> {
      try {
        const auth = services();
        const keys = await auth.publicKeys();
        send(res, 'application/json', openIDConfiguration(auth.issuer, `https://${externalAddress()}${JWKS_PATH}`, keys));
      } catch (e) {
        writeError(req, res, e);
      }
    },
    async keys(req: Request, res: Response): Promise<void> {
      try {
        send(res, 'application/jwk-set+json', jwks(await services().publicKeys()));
      } catch (e) {
        writeError(req, res, e);
      }
    },
  };
}
