// The API server as one Express application: request log → body limit → authentication →
// request info → authorization → discovery / health / OpenAPI / resources. Every error leaves
// as a Status.
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type NextFunction } from 'express';
import * as errors from '../machinery/errors.ts';
import type { Store } from '../storage/store.ts';
import { builtinResources, bootstrapObjects } from './apis/index.ts';
import { reconcileKubernetesService } from './bootstrap/kubernetes-service.ts';
import type { AnyResource, KubeObject } from './apis/types.ts';
import { AGGREGATED_CONTENT_TYPE, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, groups, type ResourceCatalog } from './discovery/discovery.ts';
import { parseAccept } from './codec/negotiate.ts';
import { parseRequestInfo, type RequestInfo } from './endpoints/requestinfo.ts';
import { serveResource } from './endpoints/resource.ts';
import { writeError, writeObject } from './endpoints/respond.ts';
import { GenericRegistry, systemClock, type Clock } from './registry/generic.ts';
import { newAuthenticator, type Authenticator, type StaticToken, type UserInfo } from './pipeline/authn.ts';
import { newAuthorizer, type Authorizer } from './pipeline/authz.ts';
import { namespaceLifecycle, newAdmission, type Admission } from './pipeline/admission.ts';
import { openapiV2, openapiV3Root, openapiV3Group } from './openapi/openapi.ts';
import { KUBERNETES_VERSION } from './version.ts';
import { CRDController } from './crd/controller.ts';
import { stopCachers } from './registry/cacher.ts';

/** Upstream's default request body limit (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface ApiServerOptions {
  store: Store;
  clock?: Clock;
  log?: (msg: string) => void;
  tokens?: StaticToken[];
  /** What /api advertises as the server's address. */
  serverAddress?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: UserInfo;
    requestInfo?: RequestInfo;
    rawBody?: Buffer;
    warnings?: string[];
  }
}

export class ApiServer implements ResourceCatalog {
  readonly app: express.Express;
  readonly registries = new Map<string, GenericRegistry>();
  readonly store: Store;
  private readonly authn: Authenticator;
  private readonly authz: Authorizer;
  readonly admission: Admission;
  private readonly log: (msg: string) => void;
  /** What /api advertises; set to the bound address once listening. */
  serverAddress: string;
  private ready = false;
  private crdController: CRDController | undefined;

  constructor(opts: ApiServerOptions) {
    this.store = opts.store;
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.serverAddress = opts.serverAddress ?? '127.0.0.1:6443';
    for (const def of builtinResources) this.register(def, opts.clock ?? systemClock);
    this.authn = newAuthenticator({ tokens: opts.tokens });
    this.authz = newAuthorizer();
    this.admission = newAdmission([namespaceLifecycle((name) => this.lookup('', 'namespaces', '', name))]);
    this.app = this.buildApp();
  }

  register(def: AnyResource, clock: Clock = systemClock): GenericRegistry {
    const reg = new GenericRegistry(def, this.store, clock);
    this.registries.set(`${def.group}/${def.version}/${def.plural}`, reg);
    return reg;
  }

  unregister(def: AnyResource): void {
    const key = `${def.group}/${def.version}/${def.plural}`;
    if (this.registries.get(key)?.def === def) this.registries.delete(key);
  }

  all(): AnyResource[] {
    return [...this.registries.values()].map((r) => r.def);
  }

  registry(group: string, version: string, plural: string): GenericRegistry | undefined {
    return this.registries.get(`${group}/${version}/${plural}`);
  }

  private async lookup(group: string, plural: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    const reg = [...this.registries.values()].find((r) => r.def.group === group && r.def.plural === plural);
    if (!reg) return undefined;
    try {
      return await reg.getCached(namespace, name);
    } catch (e) {
      if (errors.isStatusError(e, 'NotFound')) return undefined;
      throw e;
    }
  }

  /** Creates what every cluster has from the start (default namespaces), then reports ready. */
  async bootstrap(): Promise<void> {
    const namespaces = this.registry('', 'v1', 'namespaces')!;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      try {
        await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch (e) {
        if (!errors.isStatusError(e, 'AlreadyExists')) throw e;
      }
    }
    for (const obj of bootstrapObjects) {
      const [group, version] = obj.apiVersion!.includes('/') ? obj.apiVersion!.split('/') : ['', obj.apiVersion!];
      const reg = this.all().find((d) => d.group === group && d.version === version && d.kind === obj.kind);
      if (!reg) continue;
      try {
        await this.registry(group!, version!, reg.plural)!.create(obj.metadata?.namespace ?? '', structuredClone(obj), { fieldManager: 'kube-apiserver' });
      } catch (e) {
        if (!errors.isStatusError(e, 'AlreadyExists')) throw e;
      }
    }
    // Watch caches start now, as upstream's do, so the first list does not wait for them.
    for (const reg of this.registries.values()) reg.warmCache();
    const crds = this.registry('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (crds) {
      this.crdController = new CRDController(this, this.store, crds, this.log);
      await this.crdController.start();
    }
    this.ready = true;
  }

  /** The `kubernetes` Service and its Endpoints, naming this server (after it listens). */
  async reconcileKubernetesService(ip: string, port: number): Promise<void> {
    await reconcileKubernetesService({
      services: this.registry('', 'v1', 'services')!,
      endpoints: this.registry('', 'v1', 'endpoints')!,
      endpointSlices: this.registry('discovery.k8s.io', 'v1', 'endpointslices'),
    }, { ip, port });
  }

  /** Stops the background work (the CRD controller, the watch caches). */
  close(): void {
    this.crdController?.stop();
    stopCachers(this.store);
  }

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.use((req, res, next) => this.logRequests(req, res, next));
    app.use((req, res, next) => void this.readBody(req, res, next));
    app.use((req, res, next) => {
      try {
        req.user = this.authn.authenticate(req);
        const url = new URL(req.originalUrl, 'http://x');
        req.requestInfo = parseRequestInfo(req.method, url.pathname, url.searchParams);
        this.authz.authorize(req.user, req.requestInfo);
        next();
      } catch (e) {
        writeError(req, res, e, this.log);
      }
    });
    app.get('/version', (_req, res) => writeObject(res, 200, {
      ...KUBERNETES_VERSION, gitCommit: 'capstan', gitTreeState: 'clean', buildDate: '2026-11-01T00:00:00Z',
      goVersion: `node${process.versions.node}`, compiler: 'tsx', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    }));
    for (const check of ['healthz', 'livez', 'readyz']) {
      app.get([`/${check}`, `/${check}/:name`], (req, res) => void this.health(check, req, res));
    }
    app.get(['/api', '/api/'], (req, res) => this.discoveryRoot(req, res, true));
    app.get(['/apis', '/apis/'], (req, res) => this.discoveryRoot(req, res, false));
    app.get('/openapi/v2', (_req, res) => writeObject(res, 200, openapiV2(this)));
    app.get('/openapi/v3', (_req, res) => writeObject(res, 200, openapiV3Root(this)));
    app.get('/openapi/v3/*path', (req, res) => {
      const doc = openapiV3Group(this, req.path.slice('/openapi/v3/'.length));
      if (!doc) return writeError(req, res, errors.notFoundPath(), this.log);
      writeObject(res, 200, doc);
    });
    app.use((req, res) => void this.serve(req, res));
    return app;
  }

  private logRequests(req: Request, res: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (process.env.CAPSTAN_LOG_REQUESTS) {
        this.log(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms.toFixed(1)}ms user=${req.user?.name ?? '-'}`);
      }
    });
    next();
  }

  private async readBody(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => errors.requestEntityTooLarge(`limit is ${MAX_REQUEST_BODY_BYTES}`);
    if (declared > MAX_REQUEST_BODY_BYTES) {
      writeError(req, res, tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_REQUEST_BODY_BYTES) {
          writeError(req, res, tooLarge());
          req.destroy();
          return;
        }
        chunks.push(chunk as Buffer);
      }
    } catch {
      return;
    }
    req.rawBody = Buffer.concat(chunks);
    next();
  }

  private async health(check: string, req: Request, res: Response): Promise<void> {
    const checks: Array<[string, () => Promise<boolean>]> = [
      ['ping', async () => true],
      ['log', async () => true],
      ['etcd', async () => { try { await this.store.currentRV(); return true; } catch { return false; } }],
    ];
    if (check === 'readyz') checks.push(['poststarthook/bootstrap-controller', async () => this.ready]);
    const only = req.params.name;
    const results: Array<[string, boolean]> = [];
    for (const [name, fn] of checks) {
      if (only && only !== name) continue;
      results.push([name, await fn()]);
    }
    if (only && results.length === 0) return writeError(req, res, errors.notFoundPath(), this.log);
    const ok = results.every(([, r]) => r);
    const verbose = 'verbose' in req.query || !ok;
    res.status(ok ? 200 : 500).type('text/plain; charset=utf-8').setHeader('X-Content-Type-Options', 'nosniff');
    if (!verbose) return void res.send('ok');
    const lines = results.map(([n, r]) => (r ? `[+]${n} ok` : `[-]${n} failed: reason withheld`));
    lines.push(ok ? `${check} check passed` : `${check} check failed`);
    res.send(`${lines.join('\n')}\n`);
  }

  private discoveryRoot(req: Request, res: Response, core: boolean): void {
    const wantsAggregated = parseAccept(req.headers.accept).some((m) => m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && m.params.v === 'v2');
    if (wantsAggregated) {
      const body = JSON.stringify(aggregatedDiscovery(this, core));
      const etag = `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"`;
      res.setHeader('Vary', 'Accept');
      res.setHeader('Cache-Control', 'public');
      res.setHeader('ETag', etag);
      if (req.headers['if-none-match'] === etag) return void res.status(304).end();
      res.status(200).setHeader('Content-Type', AGGREGATED_CONTENT_TYPE);
      res.end(body);
      return;
    }
    writeObject(res, 200, core ? apiVersions(this.serverAddress) : apiGroupList(this));
  }

  private async serve(req: Request, res: Response): Promise<void> {
    const info = req.requestInfo!;
    try {
      if (req.method === 'GET' && !info.isResourceRequest) {
        // /apis/<group> and /apis/<group>/<version>, /api/v1
        if (info.apiPrefix === 'apis' && info.apiGroup && !info.apiVersion) {
          const g = groups(this).find((x) => x.name === info.apiGroup);
          if (g) return writeObject(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g.name, g.versions) });
        } else if (info.apiVersion) {
          const doc = apiResourceList(this, info.apiGroup, info.apiVersion);
          if (doc) return writeObject(res, 200, doc);
        }
        throw errors.notFoundPath();
      }
      if (!info.isResourceRequest) throw errors.notFoundPath();
      const registry = this.registry(info.apiGroup, info.apiVersion, info.resource);
      if (!registry) throw errors.notFoundPath();
      const warnings: string[] = [];
      await serveResource(req, res, {
        registry, info, body: req.rawBody, admission: this.admission, log: this.log,
        warn: (msg) => {
          warnings.push(msg);
          if (!res.headersSent) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
        },
      });
    } catch (e) {
      writeError(req, res, e, this.log);
    }
  }
}
