import { describe, expect, it } from 'vitest';
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import type { ProbeOutcome, ProbeResult } from './probe.ts';
import { ProbeWorker, type ProbeType, type WorkerHost, type WorkerTarget } from './worker.ts';
import type { ContainerRuntime } from '../runtime/runtime.ts';

/** A host whose container, clock and probe outcomes the test sets. */
function host(container: V1Container) {
  const results = new Map<string, Partial<Record<ProbeType, ProbeResult>>>();
  const state = {
    now: 100_000,
    target: { containerId: 'c1', container, podIP: '10.0.0.1', state: 'running', startedAt: 100_000, restartPolicy: 'Always', terminating: false, runtime: {} as ContainerRuntime } as WorkerTarget,
    outcomes: [] as ProbeResult[],
    runs: 0,
    failures: [] as string[],
    changes: 0,
  };
  const h: WorkerHost = {
    target: () => state.target,
    get: (id, type) => results.get(id)?.[type],
    set: (id, type, r) => {
      const cur = results.get(id) ?? {};
      if (cur[type] === r) return;
      if (r === undefined) delete cur[type]; else cur[type] = r;
      results.set(id, cur);
      state.changes++;
    },
    failed: (_uid, _name, type, o) => { state.failures.push(`${type}: ${o.output}`); },
    now: () => state.now,
    run: async (): Promise<ProbeOutcome> => {
      state.runs++;
      const r = state.outcomes.shift() ?? 'success';
      return { result: r, output: r === 'failure' ? 'boom' : '' };
    },
  };
  return { h, state, result: (type: ProbeType, id = 'c1') => results.get(id)?.[type] };
}

const probe = (o: Partial<V1Probe> = {}): V1Probe => ({ exec: { command: ['true'] }, periodSeconds: 1, ...o });

describe('probe worker (upstream worker.doProbe)', () => {
  it('starts a readiness probe at failure and reports success only after successThreshold runs', async () => {
    const { h, state, result } = host({ name: 'c' });
    const w = new ProbeWorker(h, 'uid', 'c', 'readiness', probe({ successThreshold: 2 }));
    await w.tick();
    expect(result('readiness')).toBe('failure');
    await w.tick();
    expect(result('readiness')).toBe('success');
    expect(state.runs).toBe(2);
  });

  it('fails liveness after failureThreshold consecutive failures, then holds until a new container', async () => {
    const { h, state, result } = host({ name: 'c' });
    const w = new ProbeWorker(h, 'uid', 'c', 'liveness', probe({ failureThreshold: 2 }));
    state.outcomes = ['failure', 'success', 'failure', 'failure', 'failure'];
    await w.tick(); // failure 1
    expect(result('liveness')).toBe('success');
    await w.tick(); // success resets the run
    await w.tick(); // failure 1
    expect(result('liveness')).toBe('success');
    await w.tick(); // failure 2: threshold
    expect(result('liveness')).toBe('failure');
    expect(state.failures).toHaveLength(3);
    await w.tick(); // on hold: no probe
    expect(state.runs).toBe(4);
    state.target = { ...state.target, containerId: 'c2' };
    await w.tick();
    expect(result('liveness', 'c2')).toBe('success');
    expect(result('liveness', 'c1')).toBeUndefined();
    expect(state.runs).toBe(5);
  });

  it('waits for initialDelaySeconds after the container started', async () => {
    const { h, state } = host({ name: 'c' });
    const w = new ProbeWorker(h, 'uid', 'c', 'readiness', probe({ initialDelaySeconds: 5 }));
    state.now = 104_000;
    await w.tick();
    expect(state.runs).toBe(0);
    state.now = 105_000;
    await w.tick();
    expect(state.runs).toBe(1);
  });

  it('holds liveness and readiness back until the startup probe has passed', async () => {
    const container = { name: 'c', startupProbe: probe() };
    const { h, state, result } = host(container);
    const live = new ProbeWorker(h, 'uid', 'c', 'liveness', probe());
    const startup = new ProbeWorker(h, 'uid', 'c', 'startup', probe({ failureThreshold: 5 }));
    state.outcomes = ['failure'];
    await startup.tick();
    await live.tick();
    expect(state.runs).toBe(1);
    expect(result('startup')).toBeUndefined();
    await startup.tick(); // success
    expect(result('startup')).toBe('success');
    await live.tick();
    expect(state.runs).toBe(3);
    await startup.tick(); // done with this container
    expect(state.runs).toBe(3);
  });

  it('reports a stopped container as failing, and ends for good under restartPolicy Never', async () => {
    const { h, state, result } = host({ name: 'c' });
    const w = new ProbeWorker(h, 'uid', 'c', 'readiness', probe());
    await w.tick();
    state.target = { ...state.target, state: 'exited' };
    expect(await w.tick()).toBe(true);
    expect(result('readiness')).toBe('failure');
    state.target = { ...state.target, restartPolicy: 'Never' };
    expect(await w.tick()).toBe(false);
  });
});
