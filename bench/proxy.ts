// The service proxy benchmark (issue 7): busybox httpd pods on the capstan Docker network behind a
// ClusterIP service, the proxy in iptables mode. In the same run, the same client code fetches
// from the pod IP directly and through the ClusterIP: from the host, and from a pod's network
// namespace (the client runs on the host, entered into a client container's namespace with
// nsenter, so timings are Node's and not busybox's). Figures: bulk throughput (a 12 MB file, six
// times per path and client, alternating: about 340 MB in all), connection set-up rate (a new connection per
// GET, 8 at once, 2 s per path), and the time from an EndpointSlice change to the first request
// answered by the new endpoint. Goal from the issue: ≥ 80% of direct-to-pod throughput. Needs root
// and Docker; says so and measures nothing otherwise. Figures only: nothing here asserts.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { RestClient } from '../client/index.ts';
import { endpointSlices, namespaces, services } from '../client/resources.ts';
import { ensureDocker } from '../kubelet/runtime/docker/testing.ts';
import { startProxy } from '../proxy/index.ts';
import { iptablesUsable } from '../proxy/iptables/exec.ts';
import { makeService, makeSlice } from '../proxy/testing.ts';
import { Testbed, docker, ensurePodNetwork, httpGet } from '../proxy/testbed.ts';
import { startTestApiServer } from '../test/apiserver.ts';
import { fmt, percentile, type BenchResult, type BenchTable, type MachineLimit, type SloFigure } from './lib/report.ts';

const FILE_MB = 12;
/** Per path and client, alternating direct / ClusterIP; the median download's rate counts. */
const DOWNLOADS = 6;
const CONN_MS = 2_000;
const CONN_CONCURRENCY = 8;
const SHIFTS = 6;
const GOAL = 0.8;
const NS = 'proxybench';

// The client both paths use, run as its own Node process (on the host, or inside a pod's netns).
const CLIENT = String.raw`
const http = require('node:http');
const [mode, url, a, b] = process.argv.slice(1);
const get = () => new Promise((resolve, reject) => {
  const req = http.get(url, { agent: false }, (res) => {
    let n = 0;
    res.on('data', (c) => { n += c.length; });
    res.on('end', () => resolve(n));
    res.on('error', reject);
  });
  req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  req.on('error', reject);
});
(async () => {
  if (mode === 'bulk') {
    const t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < Number(a); i++) bytes += await get();
    console.log(JSON.stringify({ bytes, ms: performance.now() - t0 }));
  } else {
    const end = performance.now() + Number(a);
    const lat = [];
    let errors = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: Number(b) }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        try { await get(); lat.push(performance.now() - s); } catch { errors++; }
      }
    }));
    lat.sort((x, y) => x - y);
    console.log(JSON.stringify({ ok: lat.length, errors, ms: performance.now() - t0, p50: lat[Math.floor(lat.length / 2)] ?? NaN, p99: lat[Math.floor(lat.length * 0.99)] ?? NaN }));
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

function runClient(netnsPid: number | undefined, args: string[]): Promise<Record<string, number>> {
  const [cmd, argv] = netnsPid === undefined
    ? [process.execPath, ['-e', CLIENT, ...args]]
    : ['nsenter', ['-t', String(netnsPid), '-n', process.execPath, '-e', CLIENT, ...args]];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`client ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout) as Record<string, number>);
    });
  });
}

function skipped(reason: string): BenchResult {
  return { tables: [{ title: 'Service proxy', columns: ['figure', 'value'], rows: [['not measured', reason]] }] };
}

/** One client's figures, direct and through the ClusterIP, for the report's first section. */
interface ClientFigures { who: string; mbDirect: number; mbVip: number; connDirect: number; connVip: number; vipP99: number }

export async function run(log: (line: string) => void): Promise<BenchResult> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return skipped('needs root (iptables mode)');
  if (!iptablesUsable()) return skipped('iptables-restore does not work here');
  try {
    ensureDocker();
  } catch (e) {
    return skipped(`needs Docker: ${(e as Error).message.split('\n')[0]}`);
  }
  await ensurePodNetwork();
  const net = randomInt(256);
  const vip = (last: number) => `10.201.${net}.${last}`;
  const srv = await startTestApiServer({ serviceClusterIPRange: `10.201.${net}.0/24` });
  const rest = new RestClient(srv.kubeconfig);
  const bed = new Testbed();
  const ac = new AbortController();
  let proxyDone: Promise<void> | undefined;
  try {
    const serve = `mkdir -p /www && hostname > /www/index.html && dd if=/dev/zero of=/www/big bs=1M count=${FILE_MB} 2>/dev/null && exec httpd -f -p 8080 -h /www`;
    const [a, b, client] = await Promise.all([bed.podContainer('bench-a', serve), bed.podContainer('bench-b', serve), bed.podContainer('bench-client', 'exec sleep 3600')]);
    const clientPid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', client.name])).trim());
    for (const be of [a, b]) {
      const t0 = Date.now();
      while ((await httpGet(`http://${be.ip}:8080/`).catch(() => '')) !== be.name.replace(/^capstan-[^-]+-/, '')) {
        if (Date.now() - t0 > 30_000) throw new Error(`${be.name} does not serve`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await rest.create(namespaces, '', { metadata: { name: NS } });
    const port = [{ name: 'http', port: 80, targetPort: 8080 }];
    const slice = (service: string, ip: string) => makeSlice({ namespace: NS, service, name: `${service}-1`, ports: [{ name: 'http', port: 8080 }], endpoints: [{ ip }] });
    await rest.create(services, NS, makeService({ namespace: NS, name: 'bulk', clusterIP: vip(10), ports: port }));
    await rest.create(endpointSlices, NS, slice('bulk', a.ip));
    await rest.create(services, NS, makeService({ namespace: NS, name: 'shift', clusterIP: vip(11), ports: port }));
    await rest.create(endpointSlices, NS, slice('shift', a.ip));

    // How long each sync took (building the service map and one iptables-restore).
    const syncs: Array<{ ms: number; full: boolean }> = [];
    const proxy = startProxy({
      kubeconfig: srv.kubeconfig, signal: ac.signal, nodeNames: [], clusterTag: `b${randomInt(36 ** 6).toString(36)}`, mode: 'iptables', log: () => {},
      onSync: (x) => syncs.push({ ms: x.ms, full: x.full }),
    });
    proxyDone = proxy.done;
    await proxy.ready;
    log(`proxy ready; backends ${a.ip}, ${b.ip}; cluster IP ${vip(10)}`);

    const direct = `http://${a.ip}:8080`;
    const viaVip = `http://${vip(10)}`;
    const clients: Array<[string, number | undefined]> = [['host', undefined], ['pod', clientPid]];
    const rows: string[][] = [];
    const ratios: number[] = [];
    const perClient: ClientFigures[] = [];
    for (const [who, pid] of clients) {
      // Warm both paths (ARP, conntrack, page cache), then alternate so that drift hits both alike.
      await runClient(pid, ['bulk', `${direct}/big`, '1']);
      await runClient(pid, ['bulk', `${viaVip}/big`, '1']);
      const bulk: Record<'direct' | 'vip', number[]> = { direct: [], vip: [] };
      for (let i = 0; i < DOWNLOADS; i++) {
        for (const [k, base] of (i % 2 ? [['vip', viaVip], ['direct', direct]] : [['direct', direct], ['vip', viaVip]]) as Array<['direct' | 'vip', string]>) {
          const r = await runClient(pid, ['bulk', `${base}/big`, '1']);
          bulk[k].push(r.bytes! / 2 ** 20 / (r.ms! / 1_000));
        }
      }
      const median = (xs: number[]) => percentile([...xs].sort((x, y) => x - y), 50);
      const tDirect = median(bulk.direct);
      const tVip = median(bulk.vip);
      ratios.push(tVip / tDirect);
      log(`${who}: throughput direct ${bulk.direct.map((x) => x.toFixed(0)).join(', ')} MB/s; through the ClusterIP ${bulk.vip.map((x) => x.toFixed(0)).join(', ')} MB/s`);
      const conn: Record<'direct' | 'vip', Record<string, number>> = {
        direct: await runClient(pid, ['conn', `${direct}/index.html`, String(CONN_MS), String(CONN_CONCURRENCY)]),
        vip: await runClient(pid, ['conn', `${viaVip}/index.html`, String(CONN_MS), String(CONN_CONCURRENCY)]),
      };
      const rate = (c: Record<string, number>) => c.ok! / (c.ms! / 1_000);
      log(`${who}: connections direct ${fmt.rate(rate(conn.direct))} (${conn.direct.errors} errors), through the ClusterIP ${fmt.rate(rate(conn.vip))} (${conn.vip.errors} errors)`);
      rows.push(
        [`throughput (median of ${DOWNLOADS} GETs of ${FILE_MB} MB)`, who, `${tDirect.toFixed(0)} MB/s`, `${tVip.toFixed(0)} MB/s`, fmt.pct(tVip / tDirect), `≥ ${fmt.pct(GOAL)}`],
        [`connection set-up rate (new connection per GET, ${CONN_CONCURRENCY} at once)`, who, fmt.rate(rate(conn.direct)), fmt.rate(rate(conn.vip)), fmt.pct(rate(conn.vip) / rate(conn.direct)), ''],
        ['GET on a new connection, p50 / p99', who, `${fmt.ms(conn.direct.p50!)} / ${fmt.ms(conn.direct.p99!)}`, `${fmt.ms(conn.vip.p50!)} / ${fmt.ms(conn.vip.p99!)}`, '', ''],
      );
      perClient.push({ who, mbDirect: tDirect, mbVip: tVip, connDirect: rate(conn.direct), connVip: rate(conn.vip), vipP99: conn.vip.p99! });
    }

    // Endpoint change → traffic shift: from the update request until a new connection is answered
    // by the new endpoint. A watch of our own tells when the change reached API clients, so the
    // proxy's share (debounce + iptables-restore) shows apart from the API server's.
    const shifts: number[] = [];
    const proxyShare: number[] = [];
    const names = { [a.ip]: a.name.replace(/^capstan-[^-]+-/, ''), [b.ip]: b.name.replace(/^capstan-[^-]+-/, '') };
    const seen = new Map<string, number>();
    const watchStop = new AbortController();
    const startRV = (await rest.list(endpointSlices, NS)).resourceVersion;
    const watching = rest.watch(endpointSlices, NS, { resourceVersion: startRV }, (ev) => {
      if (ev.type === 'MODIFIED') seen.set(ev.object.metadata!.resourceVersion!, performance.now());
    }, watchStop.signal).catch(() => {});
    for (let i = 0; i < SHIFTS; i++) {
      const to = i % 2 === 0 ? b.ip : a.ip;
      const cur = await rest.get(endpointSlices, NS, 'shift-1');
      const next = slice('shift', to);
      next.metadata!.resourceVersion = cur.metadata!.resourceVersion;
      const t0 = performance.now();
      const written = await rest.update(endpointSlices, NS, next);
      for (;;) {
        const got = await httpGet(`http://${vip(11)}/`, 2_000).catch(() => '');
        if (got === names[to]) break;
        if (performance.now() - t0 > 10_000) throw new Error('traffic did not shift within 10 s');
      }
      const t1 = performance.now();
      shifts.push(t1 - t0);
      const delivered = seen.get(written.metadata!.resourceVersion!);
      if (delivered !== undefined) proxyShare.push(t1 - delivered);
      await new Promise((r) => setTimeout(r, 300));
    }
    watchStop.abort();
    await watching;
    shifts.sort((x, y) => x - y);
    proxyShare.sort((x, y) => x - y);
    const syncMs = syncs.filter((x) => !x.full).map((x) => x.ms).sort((x, y) => x - y);
    log(`endpoint change → traffic shift: ${shifts.map((s) => s.toFixed(0)).join(', ')} ms; after the watch event: ${proxyShare.map((s) => s.toFixed(0)).join(', ')} ms`);

    // What the report's first section sets beside upstream's network SLIs and the machine's limits.
    const mbps = (x: number) => `${x.toFixed(0)} MB/s`;
    const slos: SloFigure[] = [
      {
        sli: 'network-programming', measured: `${fmt.ms(shifts[shifts.length - 1] ?? NaN)} max of ${shifts.length} (p50 ${fmt.ms(percentile(shifts, 50))})`, ms: shifts[shifts.length - 1] ?? NaN,
        how: 'EndpointSlice update request → first new connection answered by the new endpoint, iptables mode',
      },
      ...perClient.filter((c) => c.who === 'pod').flatMap((c): SloFigure[] => [
        { sli: 'network-latency', measured: `${fmt.ms(c.vipP99)} p99`, ms: c.vipP99, how: `a pod's GET on a new connection through the ClusterIP, ${CONN_CONCURRENCY} at once for ${CONN_MS / 1_000} s` },
        { sli: 'service-throughput', measured: `${mbps(c.mbVip)} (${fmt.pct(c.mbVip / c.mbDirect)} of direct)`, how: `a pod's ${FILE_MB} MB GET through the ClusterIP, median of ${DOWNLOADS}` },
      ]),
    ];
    const limits: MachineLimit[] = perClient.flatMap((c) => [
      { limit: `direct to the pod IP: ${FILE_MB} MB GET, ${c.who} client`, measured: mbps(c.mbDirect), beside: `through the ClusterIP: ${mbps(c.mbVip)} (${fmt.pct(c.mbVip / c.mbDirect)})` },
      { limit: `direct to the pod IP: a new connection per GET, ${c.who} client`, measured: fmt.rate(c.connDirect), beside: `through the ClusterIP: ${fmt.rate(c.connVip)} (${fmt.pct(c.connVip / c.connDirect)})` },
    ]);

    const tables: BenchTable[] = [
      {
        title: 'Service proxy (iptables mode): through a ClusterIP versus direct to the pod IP',
        columns: ['figure', 'client', 'direct to pod IP', 'through ClusterIP', 'ClusterIP ÷ direct', 'goal'],
        rows,
        notes: [
          'One busybox httpd pod on the capstan Docker bridge; the same Node client fetches both ways, alternating, in the same run.',
          'host: the client runs on the host (OUTPUT chain DNAT, masqueraded); pod: the same client inside a client container\'s network namespace (PREROUTING DNAT across the bridge).',
          `Goal from the issue: ≥ ${fmt.pct(GOAL)} of direct-to-pod throughput; measured ${ratios.map((r) => fmt.pct(r)).join(' (host), ')} (pod).`,
        ],
      },
      {
        title: 'Service proxy: endpoint change to traffic shift',
        columns: ['span', 'changes', 'p50', 'max', 'min'],
        rows: [
          ['update request → traffic shifted', String(shifts.length), fmt.ms(percentile(shifts, 50)), fmt.ms(shifts[shifts.length - 1]!), fmt.ms(shifts[0]!)],
          ['watch event delivered → traffic shifted (the proxy\'s share)', String(proxyShare.length), fmt.ms(percentile(proxyShare, 50)), fmt.ms(proxyShare[proxyShare.length - 1] ?? NaN), fmt.ms(proxyShare[0] ?? NaN)],
          ['one sync (service map + iptables-restore)', String(syncMs.length), fmt.ms(percentile(syncMs, 50)), fmt.ms(syncMs[syncMs.length - 1] ?? NaN), fmt.ms(syncMs[0] ?? NaN)],
        ],
        notes: [
          'Traffic shifted: the first new connection answered by the new endpoint. The API server here runs on the embedded PGlite store.',
          'The proxy\'s share: its informer\'s copy of the event, a 10 ms coalescing delay, one sync; then the client\'s next new connection.',
          'The API server, the proxy and the polling client share one Node process here, so a busy event loop lengthens every span.',
        ],
      },
    ];
    return { tables, slos, limits };
  } finally {
    ac.abort();
    await proxyDone;
    await bed.removeAll();
    rest.close();
    await srv.close();
  }
}
