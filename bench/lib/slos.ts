// Upstream's published scalability SLIs and SLOs (kubernetes/community, sig-scalability/slos/:
// slos.md and one page per SLI), in our words, as bench/REPORT.md's first section sets our figures
// beside them. One list, so that every benchmark names an SLI by id and none restates an objective.
// Read from kubernetes/community at 24e7d8f (2026-08); the network programming bound is
// clusterloader2's (kubernetes/perf-tests, testing/load/modules/measurements.yaml), since the SLO
// page leaves it open.

export type SliId =
  | 'api-mutating'
  | 'api-read-resource'
  | 'api-read-namespace'
  | 'api-read-cluster'
  | 'pod-startup-stateless'
  | 'pod-startup-stateful'
  | 'network-programming'
  | 'dns-programming'
  | 'network-latency'
  | 'dns-latency'
  | 'first-packet-latency'
  | 'service-throughput'
  | 'watch-latency'
  | 'api-extensions-latency';

export interface UpstreamSlo {
  id: SliId;
  /** What is measured, in short. */
  sli: string;
  /** Official SLOs are promised; WIP ones are drafts, most without a number yet. */
  status: 'official' | 'WIP';
  /** The objective as upstream states it (or that there is none). */
  objective: string;
  /** The bound a figure is judged against, in ms; absent where upstream publishes no number. */
  boundMs?: number;
  /** The page under sig-scalability/slos/ that defines it. */
  page: string;
}

export const UPSTREAM_SLOS: readonly UpstreamSlo[] = [
  {
    id: 'api-mutating', status: 'official', page: 'api_call_latency.md', boundMs: 1_000,
    sli: 'API call latency: mutating calls on single objects (POST, PUT, PATCH, DELETE), per (resource, verb)',
    objective: 'p99 ≤ 1 s per cluster-day',
  },
  {
    id: 'api-read-resource', status: 'official', page: 'api_call_latency.md', boundMs: 1_000,
    sli: 'API call latency: non-streaming reads, scope=resource (GET of one object)',
    objective: 'p99 ≤ 1 s per cluster-day',
  },
  {
    id: 'api-read-namespace', status: 'official', page: 'api_call_latency.md', boundMs: 30_000,
    sli: 'API call latency: non-streaming reads, scope=namespace (LIST in one namespace)',
    objective: 'p99 ≤ 30 s per cluster-day (5 s until 2022)',
  },
  {
    id: 'api-read-cluster', status: 'official', page: 'api_call_latency.md', boundMs: 30_000,
    sli: 'API call latency: non-streaming reads, scope=cluster (LIST across namespaces)',
    objective: 'p99 ≤ 30 s per cluster-day',
  },
  {
    id: 'pod-startup-stateless', status: 'official', page: 'pod_startup_latency.md', boundMs: 5_000,
    sli: 'Pod start-up latency, schedulable stateless pods: creation to every container started, observed via watch; image pulls and init containers excluded',
    objective: 'p99 ≤ 5 s per cluster-day',
  },
  {
    id: 'pod-startup-stateful', status: 'WIP', page: 'pod_startup_latency.md',
    sli: 'Pod start-up latency, schedulable stateful pods (volumes beyond secrets, config maps, downward API, emptyDir)',
    objective: 'p99 ≤ X, X depending on the storage provider',
  },
  {
    id: 'network-programming', status: 'WIP', page: 'network_programming_latency.md', boundMs: 30_000,
    sli: 'In-cluster network programming latency: a Service or its Ready pods change → the load-balancing rules (e.g. iptables) reflect it',
    objective: 'p99 ≤ X (unset); clusterloader2\'s load test checks p99 ≤ 30 s',
  },
  {
    id: 'dns-programming', status: 'WIP', page: 'dns_programming_latency.md',
    sli: 'DNS programming latency: a Service or its Ready pods change → the in-cluster DNS answers with it',
    objective: 'p99 ≤ X (unset)',
  },
  {
    id: 'network-latency', status: 'WIP', page: 'network_latency.md',
    sli: 'In-cluster network latency: a prober pod\'s request to a "null service" each second',
    objective: 'p99 ≤ X given node RTT ≤ Y (both unset)',
  },
  {
    id: 'dns-latency', status: 'WIP', page: 'dns_latency.md',
    sli: 'In-cluster DNS latency: a prober pod\'s lookup of a "null service" each second',
    objective: 'p99 ≤ X given node RTT ≤ Y (both unset)',
  },
  {
    id: 'first-packet-latency', status: 'WIP', page: 'first_packet_latency.md',
    sli: 'First packet latency: a client\'s SYN to a Service → the first packet back from a backend',
    objective: 'none yet (SLI only)',
  },
  {
    id: 'service-throughput', status: 'WIP', page: 'throughput.md',
    sli: 'Throughput of TCP connections to Services',
    objective: 'none yet (SLI only)',
  },
  {
    id: 'watch-latency', status: 'WIP', page: 'watch_latency.md',
    sli: 'Watch latency: an object stored in the database → its event ready to send to every watcher',
    objective: 'none yet (SLI only)',
  },
  {
    id: 'api-extensions-latency', status: 'WIP', page: 'api_extensions_latency.md',
    sli: 'Admission plugin and webhook call latency',
    objective: 'none yet (SLI only)',
  },
];
