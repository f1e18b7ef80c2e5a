// The API server as one Express application: request log → body limit → authentication →
// request info → authorization → discovery / health / OpenAPI / resources. Every error leaves
// as a Status.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Request, type Response, type NextFunction } from 'express';
import * as errors from '../machinery/errors.ts';
import type { Store } from '../storage/store.ts';
import { builtinResources, bootstrapObjects } from './apis/index.ts';
import { DEFAULT_SERVICE_NETWORK, serviceIPAt, services, servicesFor, type ServiceNetwork } from './apis/core/v1/services.ts';
import { reconcileKubernetesService } from './bootstrap/kubernetes-service.ts';
import { startServiceAllocationRepair, type RunningServiceAllocationRepair } from './bootstrap/serviceallocationrepair.ts';
import { startFlowControlLoops, type RunningFlowControlLoops } from './bootstrap/flowschemastatus.ts';
import { ensureBootstrapPolicy } from './rbac/bootstrap.ts';
import type { AnyResource, KubeObject } from './apis/types.ts';
import { AGGREGATED_CONTENT_TYPE, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, groups, type ResourceCatalog } from './discovery/discovery.ts';
import { parseAccept } from './codec/negotiate.ts';
import { readBodies } from './codec/body.ts';
import { isPatchError } from '../machinery/patch/index.ts';
import { InflightLimiter, type InflightLimits } from './pipeline/inflight.ts';
import type { Auditor } from './pipeline/audit.ts';
import { parseRequestInfo, type RequestInfo } from './endpoints/requestinfo.ts';
import { serveResource } from './endpoints/resource.ts';
import { writeError, writeObject } from './endpoints/respond.ts';
import { GenericRegistry, systemClock, type Clock } from './registry/generic.ts';
import type { Authenticator, StaticToken, UserInfo } from './pipeline/authn.ts';
import { authServicesFor, newApiAuthentication, type AuthenticationOptions } from './auth/services.ts';
import { JWKS_PATH, OPENID_CONFIG_PATH, openIDDiscovery } from './auth/oidc.ts';
import { impersonate, PlainTextError } from './auth/impersonation.ts';
import { newAuthorizer, type Authorizer } from './pipeline/authz.ts';
import { builtinAdmission, type Admission, type AdmissionOptions } from './pipeline/admission.ts';
import { openapiV3Root, openapiV3Group } from './openapi/openapi.ts';
import { OpenAPIV2Service } from './openapi/v2handler.ts';
import { KUBERNETES_VERSION } from '../machinery/version.ts';
import { CRDController } from './crd/controller.ts';
import { stopCachers } from './registry/cacher.ts';
import { dispatchUpgrade, isProxyPath, isStreamRequest, serveStream, type KubeletClientConfig } from './streams/index.ts';

/** Upstream's default request body limit (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface ApiServerOptions extends AuthenticationOptions {
  store: Store;
  clock?: Clock;
  log?: (msg: string) => void;
  tokens?: StaticToken[];
  /** What /api advertises as the server's address. */
  serverAddress?: string;
  /** How to reach kubelets for logs, exec, attach, port-forward and nodes/proxy (the --kubelet-* flags). */
  kubeletClient?: KubeletClientConfig;
  /** Requests in flight at once (upstream's --max-requests-inflight and --max-mutating-requests-inflight). */
  inflight?: Partial<InflightLimits>;
  /** The audit log (--audit-log-path, --audit-policy-file). */
  audit?: Auditor;
  /** Which built-in admission plugins run (upstream's --enable/--disable-admission-plugins). */
  admission?: AdmissionOptions;
  /** Where cluster IPs and node ports come from (--service-cluster-ip-range, --service-node-port-range); see serviceNetworkOf. */
  serviceNetwork?: ServiceNetwork;
  /** How often the service IP / node port repair runs (upstream: 3 minutes). */
  serviceRepairIntervalMs?: number;
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
  /** Overload protection: 429 past the in-flight limits. */
  readonly inflight = new InflightLimiter();
  /** Where audit events go; unset: no audit log. */
  audit: Auditor | undefined;
  /** The identity and trust used towards kubelets (read per request). */
  kubeletClient: KubeletClientConfig;
  /** This server's service network: Services allocate from it, the `kubernetes` Service takes its first address. */
  readonly serviceNetwork: ServiceNetwork;
  /** Upgraded connections (streams), which the HTTP server no longer tracks: closed with the server. */
  private readonly upgraded = new Set<Duplex>();
  private ready = false;
  private crdController: CRDController | undefined;
  private readonly serviceRepairIntervalMs: number | undefined;
  private loops: { repair: RunningServiceAllocationRepair; flowControl: RunningFlowControlLoops } | undefined;

  constructor(opts: ApiServerOptions) {
    this.store = opts.store;
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.serverAddress = opts.serverAddress ?? '127.0.0.1:6443';
    this.kubeletClient = opts.kubeletClient ?? {};
    this.serviceNetwork = opts.serviceNetwork ?? DEFAULT_SERVICE_NETWORK;
    this.serviceRepairIntervalMs = opts.serviceRepairIntervalMs;
    this.inflight.setLimits(opts.inflight ?? {});
    this.audit = opts.audit;
    for (const def of builtinResources) this.register(def, opts.clock ?? systemClock);
    this.authn = newApiAuthentication({ ...opts, registryFor: (g, v, p) => this.registry(g, v, p), now: () => (opts.clock ?? systemClock).now() }).authenticator;
    this.authz = newAuthorizer({ store: this.store, prefixOf: (g, v, p) => this.registry(g, v, p)!.prefix(''), log: this.log });
    this.admission = builtinAdmission({ getNamespace: (name) => this.lookup('', 'namespaces', '', name) }, opts.admission);
    this.app = this.buildApp();
  }

  register(given: AnyResource, clock: Clock = systemClock): GenericRegistry {
    // Services allocate from this server's own network, not the default one the resource list holds.
    const def = given === (services as unknown as AnyResource) && this.serviceNetwork !== DEFAULT_SERVICE_NETWORK
      ? servicesFor(this.serviceNetwork) as unknown as AnyResource
      : given;
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
    // Upstream's rbac/bootstrap-roles: the default roles and bindings, then RBAC reads them.
    await ensureBootstrapPolicy((g, v, p) => this.registry(g, v, p));
    await this.authz.synced();
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
    }, { ip, port }, serviceIPAt(this.serviceNetwork.clusterIPRange, 1));
  }

  /**
   * kube-apiserver's own loops, once: service IP / node port repair (its first pass done before
   * this resolves, as upstream's readiness waits for it), the APF bootstrap ensurer and FlowSchema status.
   */
  async startLoops(): Promise<void> {
    if (this.loops) return;
    const reg = (g: string, p: string) => this.registry(g, 'v1', p)!;
    this.loops = {
      repair: startServiceAllocationRepair({
        store: this.store, services: reg('', 'services'), events: reg('events.k8s.io', 'events'), network: this.serviceNetwork, log: this.log,
        ...(this.serviceRepairIntervalMs ? { intervalMs: this.serviceRepairIntervalMs } : {}),
      }),
      flowControl: startFlowControlLoops({
        store: this.store, flowSchemas: reg('flowcontrol.apiserver.k8s.io', 'flowschemas'),
        priorityLevels: reg('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations'), log: this.log,
      }),
    };
    await this.loops.repair.firstPass;
  }

  /**
   * An upgrade request (WebSocket, SPDY: exec, attach, port-forward, log streams) from the HTTP
   * server's 'upgrade' event: it runs through the same pipeline, and a stream takes its connection.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    dispatchUpgrade(this.app, req, socket, head);
  }

  /** Stops the background work (the CRD controller, the watch caches). */
  close(): void {
    this.crdController?.stop();
    this.loops?.repair.stop();
    this.loops?.flowControl.stop();
    for (const s of this.upgraded) s.destroy();
    this.authz.stop();
    stopCachers(this.store);
  }

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.use((req, res, next) => this.logRequests(req, res, next));
    // Audited from the start, so refusals (authentication, authorization, overload) are too.
    app.use((req, res, next) => (this.audit ? this.audit.middleware(req, res, next) : next()));
    app.use((req, res, next) => void this.readBody(req, res, next));
    app.use(async (req, res, next) => {
      try {
        req.warnings = [];
        req.user = await this.authn.authenticate(req, req.warnings);
        if (req.warnings.length) res.setHeader('Warning', req.warnings.map((w) => `299 - ${JSON.stringify(w)}`));
        const url = new URL(req.originalUrl, 'http://x');
        req.requestInfo = parseRequestInfo(req.method, url.pathname, url.searchParams);
        // Upstream's filter order: authentication, impersonation (itself authorized), authorization.
        req.user = await impersonate(req, req.user, this.authz);
        this.authz.authorize(req.user, req.requestInfo, url.searchParams);
        next();
      } catch (e) {
        if (e instanceof PlainTextError) return void res.status(e.code).type('text/plain; charset=utf-8').send(e.body);
        writeError(req, res, e, this.log);
      }
    });
    app.use((req, res, next) => (this.audit ? this.audit.afterAuthorization(req, res, next) : next()));
    app.use(this.inflight.middleware);
    const oidc = openIDDiscovery(() => authServicesFor(this.store), () => this.serverAddress);
    app.get(OPENID_CONFIG_PATH, (req, res) => void oidc.configuration(req, res));
    app.get(JWKS_PATH, (req, res) => void oidc.keys(req, res));
    app.get('/version', (_req, res) => writeObject(res, 200, {
      ...KUBERNETES_VERSION, gitCommit: 'capstan', gitTreeState: 'clean', buildDate: '2026-11-01T00:00:00Z',
      goVersion: `node${process.versions.node}`, compiler: 'tsx', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    }));
    for (const check of ['healthz', 'livez', 'readyz']) {
      app.get([`/${check}`, `/${check}/:name`], (req, res) => void this.health(check, req, res));
    }
    app.get(['/api', '/api/'], (req, res) => this.discoveryRoot(req, res, true));
    app.get(['/apis', '/apis/'], (req, res) => this.discoveryRoot(req, res, false));
    const openapiV2Service = new OpenAPIV2Service(this, this.log);
    app.get('/openapi/v2', (req, res) => openapiV2Service.serve(req, res));
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

  /** Bodies are read whole, bounded and checked before anything decodes them (server/codec/body.ts). */
  private readonly readBodyMiddleware = readBodies({ limit: MAX_REQUEST_BODY_BYTES, writeError: (req, res, e) => writeError(req as Request, res as Response, e, this.log) });

  private readBody(req: Request, res: Response, next: NextFunction): void {
    // The proxy subresources stream the caller's body on to the pod, service or kubelet.
    const q = req.originalUrl.indexOf('?');
    if (isProxyPath(q < 0 ? req.originalUrl : req.originalUrl.slice(0, q))) return next();
    this.readBodyMiddleware(req, res, next);
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
      // Logs, exec, attach, port-forward and nodes/proxy go on to the kubelet, pods/proxy and
      // services/proxy to a pod (server/streams).
      if (isStreamRequest(info)) {
        return await serveStream(req, res, { info, registry: (g, v, p) => this.registry(g, v, p), kubelet: this.kubeletClient, log: this.log });
      }
      const registry = this.registry(info.apiGroup, info.apiVersion, info.resource);
      if (!registry) throw errors.notFoundPath();
      const warnings: string[] = req.warnings ?? [];
      const warn = (msg: string) => {
        warnings.push(msg);
        if (!res.headersSent) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
      };
      // Admission sees the request's subresource and user, and may add warnings.
      const admission = this.admission.forRequest({ subresource: info.subresource, user: req.user, warn });
      await serveResource(req, res, { registry, info, body: req.rawBody, admission, log: this.log, warn });
    } catch (e) {
      // A patch refused before it is applied (media type, body) is upstream's 4xx, not a 500.
      writeError(req, res, isPatchError(e) ? new errors.StatusError(e.toStatus() as errors.Status) : e, this.log);
    }
  }
}
