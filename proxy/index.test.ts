// startProxy against a test API server with an in-memory iptables (no root needed): what it writes
// and when: the first full sync with its jump rules, debouncing, stale chains, clean-up on stop.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RestClient } from '../client/index.ts';
import { endpointSlices, namespaces, services } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { eventually } from '../test/eventually.ts';
import { startProxy } from './index.ts';
import type { IptablesRunner } from './iptables/exec.ts';
import { serviceChains } from './iptables/rules.ts';
import { servicePortsOf } from './servicemap.ts';
import { makeService, makeSlice } from './testing.ts';

const BUILTIN: Record<string, string[]> = { nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], filter: ['INPUT', 'FORWARD', 'OUTPUT'] };

/** Just enough of iptables-restore --noflush and iptables-save to keep a model of two tables. */
class FakeIptables implements IptablesRunner {
  readonly tables: Record<string, Map<string, string[]>> = {
    nat: new Map(BUILTIN.nat!.map((c) => [c, []])),
    filter: new Map(BUILTIN.filter!.map((c) => [c, ['-A FORWARD -j DOCKER-USER']])),
  };
  readonly restores: string[] = [];
  saves = 0;

  async save(table: 'nat' | 'filter'): Promise<string> {
    this.saves++;
    const t = this.tables[table]!;
    const lines = [`*${table}`];
    for (const c of t.keys()) lines.push(BUILTIN[table]!.includes(c) ? `:${c} ACCEPT [0:0]` : `:${c} - [0:0]`);
    for (const rules of t.values()) lines.push(...rules);
    lines.push('COMMIT');
    return `${lines.join('\n')}\n`;
  }

  async restore(input: string): Promise<void> {
    this.restores.push(input);
    let t: Map<string, string[]> | undefined;
    for (const line of input.split('\n')) {
      if (line.startsWith('*')) t = this.tables[line.slice(1)];
      else if (line.startsWith(':')) t!.set(line.slice(1).split(' ')[0]!, []);
      else if (line.startsWith('-A ') || line.startsWith('-I ')) {
        const chain = line.split(' ')[1]!;
        const target = /-j (\S+)/.exec(line)?.[1];
        if (!t!.has(chain) || (target?.startsWith('CAP-') && !t!.has(target))) throw new Error(`iptables-restore: line failed: ${line}`);
        const rule = `-A ${line.slice(3)}`;
        if (line.startsWith('-A ')) t!.get(chain)!.push(rule);
        else t!.get(chain)!.unshift(rule);
      } else if (line.startsWith('-D ')) {
        const rules = t!.get(line.split(' ')[1]!)!;
        rules.splice(rules.indexOf(`-A ${line.slice(3)}`), 1);
      } else if (line.startsWith('-X ')) {
        const chain = line.slice(3);
        if ([...t!.values()].some((rules) => rules.some((r) => r.endsWith(`-j ${chain}`)))) throw new Error(`iptables-restore: ${chain} is referenced`);
        t!.delete(chain);
      }
    }
  }

  chains(table: 'nat' | 'filter', prefix: string): string[] {
    return [...this.tables[table]!.keys()].filter((c) => c.startsWith(prefix));
  }

  rules(table: 'nat' | 'filter'): string[] {
    return [...this.tables[table]!.values()].flat();
  }
}

const web = makeService({ namespace: 'proxyunit', name: 'web', clusterIP: '10.96.200.10', ports: [{ name: 'http', port: 80 }] });
const webChain = serviceChains('unit', servicePortsOf(web)[0]!).cluster;
let srv: TestApiServer;
let rest: RestClient;
const NS = 'proxyunit';

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  await rest.create(namespaces, '', { metadata: { name: NS } });
  await rest.create(services, NS, web);
  await rest.create(endpointSlices, NS, makeSlice({ namespace: NS, service: 'web', name: 'web-1', ports: [{ name: 'http', port: 8080 }], endpoints: [{ ip: '10.240.9.1' }] }));
});

afterAll(async () => {
  rest?.close();
  await srv?.close();
});

describe('startProxy (iptables mode, in-memory iptables)', () => {
  it('syncs in full at start, inserts its jumps once, follows changes in few syncs, deletes what is gone, and cleans up on stop', async () => {
    const ipt = new FakeIptables();
    // Leftovers of an earlier run under the same tag, one with a jump into it: removed by the first sync.
    ipt.tables.nat!.set('CAP-unit-SVC-LEFTOVER', ['-A CAP-unit-SVC-LEFTOVER -j RETURN']);
    ipt.tables.nat!.set('CAP-unit-OLD', []);
    ipt.tables.nat!.get('OUTPUT')!.push('-A OUTPUT -j CAP-unit-OLD');
    const ac = new AbortController();
    const syncs: Array<{ full: boolean }> = [];
    const p = startProxy({
      kubeconfig: srv.kubeconfig, signal: ac.signal, nodeNames: ['n1'], clusterTag: 'unit', mode: 'iptables', iptables: ipt,
      minSyncMs: 200, syncPeriodMs: 400, log: () => {}, onSync: (s) => syncs.push(s),
    });
    await p.ready;
    expect(p.mode).toBe('iptables');
    expect(syncs[0]).toMatchObject({ full: true });
    expect(ipt.restores[0]).toContain('-I PREROUTING -m comment --comment "kubernetes service portals" -j CAP-unit-SERVICES');
    // The leftovers are gone; the `kubernetes` Service's chain and ours are there.
    expect(ipt.chains('nat', 'CAP-unit-OLD')).toEqual([]);
    expect(ipt.rules('nat')).not.toContain('-A OUTPUT -j CAP-unit-OLD');
    expect(ipt.chains('nat', 'CAP-unit-SVC-').sort()).toEqual([webChain, serviceChains('unit', { nameString: 'default/kubernetes:https', protocol: 'TCP' } as never).cluster].sort());
    expect(ipt.rules('nat')).toContain(`-A CAP-unit-SERVICES -m comment --comment "proxyunit/web:http cluster IP" -m tcp -p tcp -d 10.96.200.10 --dport 80 -j ${webChain}`);

    // Periodic full syncs find the jumps in place and add no second copy.
    await eventually(() => syncs.filter((s) => s.full).length >= 3, { timeoutMs: 5_000, what: 'two periodic full syncs' });
    expect(ipt.rules('nat').filter((r) => r.startsWith('-A PREROUTING') && r.endsWith('-j CAP-unit-SERVICES'))).toHaveLength(1);

    // A burst of twenty endpoint changes: a handful of syncs, the last state programmed.
    const before = syncs.length;
    for (let i = 2; i <= 21; i++) {
      const cur = await rest.get(endpointSlices, NS, 'web-1');
      const next = makeSlice({ namespace: NS, service: 'web', name: 'web-1', ports: [{ name: 'http', port: 8080 }], endpoints: [{ ip: `10.240.9.${i}` }] });
      next.metadata!.resourceVersion = cur.metadata!.resourceVersion;
      await rest.update(endpointSlices, NS, next);
    }
    await eventually(() => ipt.rules('nat').some((r) => r.includes('--to-destination 10.240.9.21:8080')), { timeoutMs: 3_000, what: 'the last endpoint programmed' });
    const burstSyncs = syncs.slice(before).filter((s) => !s.full).length;
    expect(burstSyncs).toBeGreaterThan(0);
    expect(burstSyncs).toBeLessThan(20);
    expect(ipt.rules('nat').filter((r) => r.startsWith(`-A ${webChain} `) && r.includes(' -> '))).toHaveLength(1);
    // The endpoint chains of the earlier endpoints were deleted, not just left unreferenced.
    expect(ipt.rules('nat').filter((r) => r.includes('--to-destination 10.240.9.'))).toEqual([expect.stringContaining('10.240.9.21:8080')]);

    // The service goes: its chains go, and no filter rule mentions it.
    await rest.delete(services, NS, 'web');
    await eventually(() => !ipt.chains('nat', 'CAP-unit-SVC-').includes(webChain) && !ipt.rules('nat').some((r) => r.includes('proxyunit/web')), { timeoutMs: 3_000, what: 'chains of the deleted service gone' });
    expect(ipt.rules('filter').some((r) => r.includes('proxyunit/web'))).toBe(false);

    ac.abort();
    await p.done;
    expect(ipt.chains('nat', 'CAP-unit-')).toEqual([]);
    expect(ipt.chains('filter', 'CAP-unit-')).toEqual([]);
    expect([...ipt.rules('nat'), ...ipt.rules('filter')].filter((r) => r.includes('CAP-unit-'))).toEqual([]);
    expect(ipt.rules('filter')).toContain('-A FORWARD -j DOCKER-USER');
  });

  it('rejects a bad cluster tag, and its ready rejects when stopped before the first sync', async () => {
    expect(() => startProxy({ kubeconfig: srv.kubeconfig, signal: new AbortController().signal, nodeNames: [], clusterTag: 'No_Good', mode: 'userspace' })).toThrow(/cluster tag/);
    const ac = new AbortController();
    ac.abort();
    const p = startProxy({ kubeconfig: srv.kubeconfig, signal: ac.signal, nodeNames: [], clusterTag: 'gone', mode: 'iptables', iptables: new FakeIptables(), log: () => {} });
    await expect(p.ready).rejects.toThrow(/stopped before its first sync/);
    await p.done;
  });
});
