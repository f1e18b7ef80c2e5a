// The API server's own API Priority and Fairness loops. (1) The configuration consumer's status
// writer (upstream's apf_controller.go in apiserver/pkg/util/flowcontrol): every FlowSchema gets
// the condition Dangling — True/NotFound when the PriorityLevelConfiguration it names does not
// exist, False/Found when it does — applied to the status subresource under the field manager
// "api-priority-and-fairness-config-consumer-v1", kept current by watching both kinds.
// (2) The bootstrap configuration ensurer (upstream's pkg/registry/flowcontrol/ensurer and the
// post-start hook in pkg/registry/flowcontrol/rest): at start and every minute, the mandatory and
// suggested objects are re-created when missing; mandatory ones get their spec back whatever was
// changed, suggested ones only while `apf.kubernetes.io/autoupdate-spec` says true (or, without
// a usable annotation, while nobody has edited them); and objects the annotation marks as
// auto-updated that are no longer in the bootstrap set are deleted. Every API server over one
// store runs both; their writes agree, so concurrent runs settle.
import * as errors from '../../machinery/errors.ts';
import { applyConfiguration } from '../../machinery/patch/index.ts';
import { isStorageError, type Store } from '../../storage/store.ts';
import { semanticEqual } from '../apis/common/shapes.ts';
import {
  mandatoryFlowSchemas, mandatoryPriorityLevels, suggestedFlowSchemas, suggestedPriorityLevels,
} from '../apis/flowcontrol/v1/bootstrap.ts';
import type { KubeObject } from '../apis/types.ts';
import { rfc3339, type GenericRegistry } from '../registry/generic.ts';

/** Upstream's ConfigConsumerAsFieldManager. */
export const CONFIG_CONSUMER_FIELD_MANAGER = 'api-priority-and-fairness-config-consumer-v1';
/** The ensurer's field manager (upstream's ensurer/strategy.go). */
export const CONFIG_PRODUCER_FIELD_MANAGER = 'api-priority-and-fairness-config-producer-v1';
/** flowcontrol/v1's AutoUpdateAnnotationKey. */
export const AUTO_UPDATE_ANNOTATION = 'apf.kubernetes.io/autoupdate-spec';
/** Upstream's ensurer period after the first success. */
export const ENSURE_INTERVAL_MS = 60_000;
/** Upstream's consumer writes one FlowSchema at most this often per minute, then backs off 30–75 s. */
const MAX_UPDATES_PER_MINUTE = 5;

export interface FlowControlRegistries {
  flowSchemas: GenericRegistry;
  priorityLevels: GenericRegistry;
}

interface Condition { type?: string; status?: string; lastTransitionTime?: string; reason?: string; message?: string }
type FlowSchema = KubeObject & { spec?: { priorityLevelConfiguration?: { name?: string } }; status?: { conditions?: Condition[] } };

// ---- the Dangling condition ----

/** The Dangling condition upstream's configuration consumer writes (its presyncFlowSchemaStatus). */
export function danglingCondition(plName: string, plExists: boolean, now: Date): Required<Condition> {
  return plExists
    ? { type: 'Dangling', status: 'False', reason: 'Found', lastTransitionTime: rfc3339(now),
      message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(plName)} and it exists` }
    : { type: 'Dangling', status: 'True', reason: 'NotFound', lastTransitionTime: rfc3339(now),
      message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(plName)} but there is no such object` };
}

/**
 * Keeps every FlowSchema's Dangling condition current: one worker that, whenever any FlowSchema
 * or PriorityLevelConfiguration changes, reads both kinds whole and applies the conditions that
 * differ (level-triggered, as upstream's single-key config queue).
 */
export class FlowSchemaStatusController {
  private readonly ac = new AbortController();
  private pending = false;
  private wake: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Per FlowSchema, the times of this controller's recent writes (upstream's mostRecentUpdates). */
  private readonly recentWrites = new Map<string, number[]>();
  private worker: Promise<void> | undefined;
  private readonly watches: Array<Promise<void>> = [];
  /** Resolves after each completed sync; tests and start-up wait on it. */
  private synced: { promise: Promise<void>; resolve: () => void } = deferred();

  constructor(
    private readonly r: FlowControlRegistries,
    private readonly store: Store,
    private readonly log: (msg: string) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Starts watching both kinds and the worker; resolves after the first sync. */
  async start(): Promise<void> {
    const rv = await this.store.currentRV();
    // Watches from an RV the first sync reads at or after: no change falls between them.
    this.watches.push(this.follow(this.r.priorityLevels.prefix(''), rv), this.follow(this.r.flowSchemas.prefix(''), rv));
    this.worker = this.work();
    this.trigger();
    await this.nextSync();
  }

  stop(): void {
    this.ac.abort();
    clearTimeout(this.retryTimer);
    this.wake?.();
  }

  /** Resolves when the loops have ended after stop(). */
  async done(): Promise<void> {
    await Promise.all([this.worker, ...this.watches]);
  }

  /** Resolves after the next sync completes. */
  nextSync(): Promise<void> {
    return this.synced.promise;
  }

  /** Asks for a sync (again, if one is under way). */
  trigger(): void {
    if (this.ac.signal.aborted) return;
    this.pending = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private later(ms: number): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.trigger(); }, ms);
    this.retryTimer.unref();
  }

  private async follow(prefix: string, fromRV: bigint): Promise<void> {
    let rv = fromRV;
    const signal = this.ac.signal;
    while (!signal.aborted) {
      try {
        for await (const ev of this.store.watch(prefix, rv, { signal })) {
          rv = ev.rv;
          if (ev.type !== 'BOOKMARK') this.trigger();
        }
      } catch (e) {
        if (signal.aborted) return;
        if (isStorageError(e, 'Expired')) {
          // Resume from now; the full sync this asks for covers what was missed.
          rv = await this.store.currentRV().catch(() => rv);
          this.trigger();
        } else {
          this.log(`flowschema status: watching ${prefix}: ${(e as Error).message}`);
        }
      }
      await sleep(500, signal);
    }
  }

  private async work(): Promise<void> {
    let backoff = 200;
    const signal = this.ac.signal;
    while (!signal.aborted) {
      if (!this.pending) await new Promise<void>((resolve) => { this.wake = resolve; });
      if (signal.aborted) break;
      this.pending = false;
      try {
        const delay = await this.syncAll();
        backoff = 200;
        if (delay) this.later(delay);
      } catch (e) {
        if (signal.aborted) break;
        this.log(`flowschema status: ${(e as Error).message}`);
        this.later(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      }
      const done = this.synced;
      this.synced = deferred();
      done.resolve();
    }
    this.synced.resolve();
  }

  /**
   * One full pass: the condition every FlowSchema should have, applied where it differs.
   * Returns a delay after which to look again when some writes were held back.
   */
  async syncAll(): Promise<number> {
    const levels = new Set((await this.r.priorityLevels.list('', {})).items.map((pl) => pl.metadata?.name ?? ''));
    const schemas = (await this.r.flowSchemas.list('', {})).items as FlowSchema[];
    const failures: string[] = [];
    let delay = 0;
    const now = this.now();
    for (const fs of schemas) {
      const name = fs.metadata?.name ?? '';
      const plName = fs.spec?.priorityLevelConfiguration?.name ?? '';
      const want = danglingCondition(plName, levels.has(plName), now);
      const have = fs.status?.conditions?.find((c) => c.type === 'Dangling');
      if (have && have.status === want.status && have.reason === want.reason && have.message === want.message) continue;
      if (this.tooOften(name, now.getTime())) {
        delay ||= (30 + Math.floor(Math.random() * 45)) * 1000;
        continue;
      }
      try {
        await this.apply(name, want);
      } catch (e) {
        // Deleted meanwhile: its deletion is another event, nothing to do here.
        if (errors.isStatusError(e, 'NotFound')) continue;
        failures.push(`failed to set a status.condition for FlowSchema ${name}: ${(e as Error).message}`);
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
    return delay;
  }

  /** Server-side apply of the one condition to the status subresource, forced, as upstream's ApplyStatus. */
  private async apply(name: string, condition: Condition): Promise<void> {
    const reg = this.r.flowSchemas;
    const config = { apiVersion: reg.apiVersion, kind: reg.def.kind, metadata: { name }, status: { conditions: [condition] } };
    await reg.update('', name, (cur) => {
      const next = applyConfiguration(cur, config, reg.patchSchema, {
        manager: CONFIG_CONSUMER_FIELD_MANAGER, apiVersion: reg.apiVersion, time: rfc3339(this.now()), force: true,
        subresource: 'status', ignoredFields: reg.ignoredFields('status'),
      }) as KubeObject;
      next.metadata!.resourceVersion = cur?.metadata?.resourceVersion;
      return next;
    }, { subresource: 'status', applied: true, fieldManager: CONFIG_CONSUMER_FIELD_MANAGER });
  }

  /** Upstream's shouldDelayUpdate: more than five writes to one FlowSchema in a minute wait. */
  private tooOften(name: string, now: number): boolean {
    const recent = (this.recentWrites.get(name) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= MAX_UPDATES_PER_MINUTE + 1) {
      this.recentWrites.set(name, recent);
      return true;
    }
    recent.push(now);
    this.recentWrites.set(name, recent);
    return false;
  }
}

// ---- the bootstrap configuration ensurer ----

/** Go's strconv.ParseBool. */
function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** Upstream's shouldUpdateSpec: the annotation decides; without a usable one, an unedited object (generation 1) is updated. */
function shouldUpdateSpec(obj: KubeObject): boolean {
  const set = parseBool(obj.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION]);
  if (set !== undefined) return set;
  return obj.metadata?.generation === 1;
}

/**
 * Upstream's SpecEqualish: the bootstrap spec, defaulted as the server defaults it, against the
 * stored one; the exempt level's concurrency shares and lendable percent are the operator's.
 */
function specEqualish(reg: GenericRegistry, bootstrap: KubeObject, current: KubeObject): boolean {
  const expected = structuredClone(bootstrap) as KubeObject & { spec?: Record<string, unknown> };
  reg.def.strategy?.defaults?.(expected);
  const actual = (current as { spec?: Record<string, unknown> }).spec;
  if (reg.def.kind === 'PriorityLevelConfiguration' && expected.metadata?.name === 'exempt') {
    const have = actual?.exempt as Record<string, unknown> | undefined;
    if (!have) return false;
    const want = expected.spec!.exempt as Record<string, unknown>;
    want.nominalConcurrencyShares = have.nominalConcurrencyShares;
    want.lendablePercent = have.lendablePercent;
  }
  return semanticEqual(expected.spec, actual);
}

/** Upstream's EnsureConfiguration: create when missing, else revise under the strategy. */
async function ensureConfiguration(reg: GenericRegistry, bootstrap: KubeObject, mandatory: boolean, log: (msg: string) => void): Promise<void> {
  const name = bootstrap.metadata!.name!;
  let current: KubeObject | undefined;
  for (let attempt = 0; !current; attempt++) {
    try {
      current = await reg.get('', name);
    } catch (e) {
      if (!errors.isStatusError(e, 'NotFound')) throw e;
      try {
        // A missing configuration object is always re-created.
        await reg.create('', structuredClone(bootstrap), { fieldManager: CONFIG_PRODUCER_FIELD_MANAGER });
        return;
      } catch (err) {
        // Created concurrently (another API server): check it instead.
        if (!errors.isStatusError(err, 'AlreadyExists') || attempt >= 2) throw err;
      }
    }
  }
  const autoUpdateSpec = mandatory || shouldUpdateSpec(current);
  const updateAnnotation = parseBool(current.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION]) !== autoUpdateSpec;
  const specChanged = autoUpdateSpec && !specEqualish(reg, bootstrap, current);
  if (!updateAnnotation && !specChanged) return;
  const revised = structuredClone(current);
  if (specChanged) (revised as { spec?: unknown }).spec = structuredClone((bootstrap as { spec?: unknown }).spec);
  if (updateAnnotation) revised.metadata = { ...revised.metadata, annotations: { ...revised.metadata?.annotations, [AUTO_UPDATE_ANNOTATION]: String(autoUpdateSpec) } };
  try {
    // Conditional on the version read: a concurrent change wins, and is looked at next time.
    await reg.update('', name, () => revised, { fieldManager: CONFIG_PRODUCER_FIELD_MANAGER });
    log(`apf ensurer: updated the ${mandatory ? 'mandatory' : 'suggested'} ${reg.def.kind} ${name}`);
  } catch (e) {
    if (!errors.isStatusError(e, 'Conflict') && !errors.isStatusError(e, 'NotFound')) throw e;
  }
}

/** Upstream's RemoveUnwantedObjects: auto-updated objects whose name is no longer bootstrapped go. */
async function removeUnwantedObjects(reg: GenericRegistry, wanted: KubeObject[], log: (msg: string) => void): Promise<void> {
  const names = new Set(wanted.map((o) => o.metadata?.name));
  for (const obj of (await reg.list('', {})).items) {
    const name = obj.metadata?.name ?? '';
    if (names.has(name)) continue;
    // No annotation (a user's own object), a malformed one, or false: left alone.
    if (parseBool(obj.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION]) !== true) continue;
    try {
      await reg.delete('', name);
      log(`apf ensurer: deleted the unwanted ${reg.def.kind} ${name}`);
    } catch (e) {
      if (!errors.isStatusError(e, 'NotFound')) throw e;
    }
  }
}

/** One run of upstream's ensure(): suggested objects, then mandatory ones, then the unwanted removed. */
export async function ensureAPFBootstrapConfiguration(r: FlowControlRegistries, log: (msg: string) => void = () => {}): Promise<void> {
  for (const pl of suggestedPriorityLevels) await ensureConfiguration(r.priorityLevels, pl, false, log);
  for (const fs of suggestedFlowSchemas) await ensureConfiguration(r.flowSchemas, fs, false, log);
  for (const pl of mandatoryPriorityLevels) await ensureConfiguration(r.priorityLevels, pl, true, log);
  for (const fs of mandatoryFlowSchemas) await ensureConfiguration(r.flowSchemas, fs, true, log);
  await removeUnwantedObjects(r.flowSchemas, [...mandatoryFlowSchemas, ...suggestedFlowSchemas], log);
  await removeUnwantedObjects(r.priorityLevels, [...mandatoryPriorityLevels, ...suggestedPriorityLevels], log);
}

// ---- running both ----

export interface RunningFlowControlLoops {
  status: FlowSchemaStatusController;
  stop(): void;
  /** Resolves when every loop has ended after stop(). */
  done: Promise<void>;
}

/** Starts the ensurer (now, then every `ensureIntervalMs`) and the Dangling status controller. */
export function startFlowControlLoops(opts: FlowControlRegistries & {
  store: Store; log?: (msg: string) => void; ensureIntervalMs?: number; now?: () => Date;
}): RunningFlowControlLoops {
  const log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
  const ac = new AbortController();
  const status = new FlowSchemaStatusController(opts, opts.store, log, opts.now);
  const statusStarted = status.start().catch((e: unknown) => { if (!ac.signal.aborted) log(`flowschema status: ${(e as Error).message}`); });
  const ensurer = (async () => {
    while (!ac.signal.aborted) {
      try {
        await ensureAPFBootstrapConfiguration(opts, log);
      } catch (e) {
        if (!ac.signal.aborted) log(`APF bootstrap ensurer ran into error, will retry later: ${(e as Error).message}`);
      }
      await sleep(opts.ensureIntervalMs ?? ENSURE_INTERVAL_MS, ac.signal);
    }
  })();
  return {
    status,
    stop() {
      ac.abort();
      status.stop();
    },
    done: Promise.all([statusStarted, ensurer]).then(() => status.done()),
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Waits `ms`, or less when `signal` aborts; never keeps the process alive. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    timer.unref();
    const onAbort = () => { clearTimeout(timer); resolve(); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
