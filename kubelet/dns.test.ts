// The kubelet's resolver configuration for pods, rule by rule, as the file a container reads
// (upstream's pkg/kubelet/network/dns): every dnsPolicy, the dnsConfig merge, the resolver's
// limits, and the Warning events they record.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubernetesObject, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import type { EventRecorder } from '../client/index.ts';
import {
  DNSConfigurer, parseResolvConf, podDNSConfig, resolvConfLimitsProblem, type DNSSettings,
} from './dns.ts';
import { sandboxConfig } from './podworkers.ts';
import { resolvConf } from './runtime/docker/config.ts';

const HOST_FILE = '# written by the host\nnameserver 10.255.255.53\nnameserver 10.255.255.54\nsearch corp.example. lab.example\noptions timeout:2 attempts:3\n';
const host = (() => { const { errors: _e, ...dns } = parseResolvConf(HOST_FILE); return dns; })();

const settings = (o: Partial<DNSSettings> = {}): DNSSettings => ({
  clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', host, nodeIPs: ['172.30.0.10'], ...o,
});

function pod(spec: Partial<V1PodSpec> = {}, ns = 'shop'): V1Pod {
  return { metadata: { name: 'web', namespace: ns, uid: 'u-1' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

/** The pod's /etc/resolv.conf as the runtime writes it. */
const fileOf = (p: V1Pod, s: DNSSettings = settings()) => resolvConf(podDNSConfig(p, s).dns);
const warningsOf = (p: V1Pod, s: DNSSettings = settings()) => podDNSConfig(p, s).warnings;

describe('parseResolvConf', () => {
  it('accumulates nameservers, keeps the last search and options lines, skips comments and drops trailing dots', () => {
    expect(parseResolvConf('nameserver 1.1.1.1\n  # nameserver 9.9.9.9\nsearch a.example\nnameserver 8.8.8.8 ignored\nsearch b.example. c.example\n'
      + 'options ndots:2\ndomain x.example\noptions rotate\n')).toEqual({
      servers: ['1.1.1.1', '8.8.8.8'], searches: ['b.example', 'c.example'], options: ['rotate'], errors: [],
    });
  });

  it('reports a nameserver line without an address, as upstream', () => {
    expect(parseResolvConf('nameserver\nnameserver 1.1.1.1\n').errors).toEqual(['nameserver list is empty ']);
  });
});

describe('pod DNS by dnsPolicy', () => {
  it('ClusterFirst: the cluster DNS server only, the cluster search domains before the host\'s, ndots:5', () => {
    expect(fileOf(pod({ dnsPolicy: 'ClusterFirst' }))).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n'
      + 'nameserver 10.96.0.10\n'
      + 'options ndots:5\n');
    expect(warningsOf(pod({ dnsPolicy: 'ClusterFirst' }))).toEqual([]);
  });

  it('an unset dnsPolicy is ClusterFirst, as the API server defaults it', () => {
    expect(fileOf(pod())).toBe(fileOf(pod({ dnsPolicy: 'ClusterFirst' })));
  });

  it('ClusterFirst lists every cluster DNS server and leaves out host search domains the cluster ones repeat', () => {
    const s = settings({ clusterDNS: ['10.96.0.10', 'fd00::a'], host: { servers: ['10.0.0.2'], searches: ['cluster.local', 'corp.example'], options: [] } });
    expect(fileOf(pod({ dnsPolicy: 'ClusterFirst' }), s)).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n'
      + 'nameserver 10.96.0.10\nnameserver fd00::a\n'
      + 'options ndots:5\n');
  });

  it('ClusterFirst with another cluster domain, and with none (only the host\'s search domains)', () => {
    expect(fileOf(pod({}, 'default'), settings({ clusterDomain: 'k8s.test' }))).toBe(
      'search default.svc.k8s.test svc.k8s.test k8s.test corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect(fileOf(pod(), settings({ clusterDomain: '' }))).toBe('search corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  it('ClusterFirst on the host network falls back to Default: the host\'s nameservers, searches and options', () => {
    expect(fileOf(pod({ dnsPolicy: 'ClusterFirst', hostNetwork: true }))).toBe(
      'search corp.example lab.example\nnameserver 10.255.255.53\nnameserver 10.255.255.54\noptions timeout:2 attempts:3\n');
  });

  it('ClusterFirstWithHostNet gives a host-network pod the cluster DNS', () => {
    expect(fileOf(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }))).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n');
    // Without the host network it is ClusterFirst.
    expect(fileOf(pod({ dnsPolicy: 'ClusterFirstWithHostNet' }))).toBe(fileOf(pod({ dnsPolicy: 'ClusterFirst' })));
  });

  it('Default: the host\'s resolver configuration, whatever the cluster DNS', () => {
    expect(fileOf(pod({ dnsPolicy: 'Default' }))).toBe(
      'search corp.example lab.example\nnameserver 10.255.255.53\nnameserver 10.255.255.54\noptions timeout:2 attempts:3\n');
  });

  it('Default without a host file (--resolv-conf ""): the local machine, search "."', () => {
    expect(fileOf(pod({ dnsPolicy: 'Default' }), settings({ host: undefined }))).toBe('search .\nnameserver 127.0.0.1\n');
    expect(fileOf(pod({ dnsPolicy: 'Default' }), settings({ host: undefined, nodeIPs: ['fd00::10'] }))).toBe('search .\nnameserver ::1\n');
    expect(fileOf(pod({ dnsPolicy: 'Default' }), settings({ host: undefined, nodeIPs: [] }))).toBe('search .\nnameserver 127.0.0.1\n');
    // ClusterFirst still uses the cluster DNS, with only the cluster search domains.
    expect(fileOf(pod(), settings({ host: undefined }))).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  it('None: only what the pod\'s dnsConfig says', () => {
    const p = pod({
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['1.2.3.4', '1.2.3.4', '5.6.7.8'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    });
    expect(fileOf(p)).toBe(
      'search ns1.svc.cluster-domain.example my.dns.search.suffix\n'
      + 'nameserver 1.2.3.4\nnameserver 5.6.7.8\n'
      + 'options ndots:2 edns0\n');
    expect(warningsOf(p)).toEqual([]);
  });

  it('an unknown dnsPolicy is treated as ClusterFirst, as upstream falls back', () => {
    expect(fileOf(pod({ dnsPolicy: 'Bogus', hostNetwork: true }))).toBe(fileOf(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true })));
  });
});

describe('ClusterFirst without cluster DNS servers', () => {
  const none = settings({ clusterDNS: [] });

  it('falls back to Default, with MissingClusterDNS warnings on the node and on the pod', () => {
    const p = pod({ dnsPolicy: 'ClusterFirst' });
    expect(fileOf(p, none)).toBe(fileOf(pod({ dnsPolicy: 'Default' })));
    const message = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
    expect(warningsOf(p, none)).toEqual([
      { about: 'node', reason: 'MissingClusterDNS', message },
      { about: 'pod', reason: 'MissingClusterDNS', message: `pod: "web_shop(u-1)". ${message}` },
    ]);
  });

  it('ClusterFirstWithHostNet falls back the same way; Default and None have nothing to miss', () => {
    expect(warningsOf(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }), none).map((w) => w.reason)).toEqual(['MissingClusterDNS', 'MissingClusterDNS']);
    expect(warningsOf(pod({ dnsPolicy: 'Default' }), none)).toEqual([]);
    expect(warningsOf(pod({ dnsPolicy: 'ClusterFirst', hostNetwork: true }), none)).toEqual([]);
    expect(warningsOf(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'] } }), none)).toEqual([]);
  });
});

describe('dnsConfig merged into the policy\'s configuration', () => {
  it('appends nameservers and search domains without repeats, and merges options by name with the pod\'s value winning', () => {
    const p = pod({
      dnsPolicy: 'ClusterFirst',
      dnsConfig: {
        nameservers: ['10.96.0.10', '192.0.2.1'],
        searches: ['svc.cluster.local', 'extra.example'],
        options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }, { name: 'timeout', value: '3' }],
      },
    });
    expect(fileOf(p)).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example extra.example\n'
      + 'nameserver 10.96.0.10\nnameserver 192.0.2.1\n'
      + 'options ndots:1 single-request-reopen timeout:3\n');
  });

  it('merges into Default\'s host options in place, a value-less pod option clearing the value', () => {
    const p = pod({ dnsPolicy: 'Default', dnsConfig: { options: [{ name: 'attempts', value: '5' }, { name: 'timeout' }, { name: 'rotate' }] } });
    expect(fileOf(p)).toBe(
      'search corp.example lab.example\nnameserver 10.255.255.53\nnameserver 10.255.255.54\noptions timeout attempts:5 rotate\n');
  });

  it('an empty dnsConfig leaves the configuration as it was', () => {
    expect(fileOf(pod({ dnsConfig: {} }))).toBe(fileOf(pod()));
  });
});

describe('the resolver\'s limits', () => {
  it('keeps the first 3 nameservers, with a DNSConfigForming warning', () => {
    const p = pod({ dnsPolicy: 'ClusterFirst', dnsConfig: { nameservers: ['192.0.2.1', '192.0.2.2', '192.0.2.3'] } });
    const { dns, warnings } = podDNSConfig(p, settings());
    expect(dns.servers).toEqual(['10.96.0.10', '192.0.2.1', '192.0.2.2']);
    expect(warnings).toEqual([{
      about: 'pod', reason: 'DNSConfigForming',
      message: 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 192.0.2.1 192.0.2.2',
    }]);
  });

  it('keeps the first 32 search domains, with a DNSConfigForming warning', () => {
    const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const { dns, warnings } = podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches } }), settings());
    expect(dns.searches).toEqual(searches.slice(0, 32));
    expect(warnings).toEqual([{
      about: 'pod', reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.slice(0, 32).join(' ')}`,
    }]);
  });

  it('cuts search domains from the end until the line is at most 2048 characters', () => {
    // Nine domains of 250 characters: a line of 9 * 251 - 1 = 2258; dropping one leaves 2007.
    const long = (i: number) => `${String(i).padStart(3, '0')}${'a'.repeat(239)}.example`;
    const searches = Array.from({ length: 9 }, (_, i) => long(i));
    expect(searches[0]).toHaveLength(250);
    const { dns, warnings } = podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches } }), settings());
    expect(dns.searches).toEqual(searches.slice(0, 8));
    expect(dns.searches.join(' ')).toHaveLength(2007);
    expect(warnings.map((w) => w.message)).toEqual([
      `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.slice(0, 8).join(' ')}`,
    ]);
  });

  it('drops a search domain longer than 253 characters', () => {
    const tooLong = `${'b'.repeat(250)}.example`;
    const { dns, warnings } = podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example', tooLong, 'c.example'] } }), settings());
    expect(dns.searches).toEqual(['a.example', 'c.example']);
    expect(warnings.map((w) => w.reason)).toEqual(['DNSConfigForming']);
  });

  it('warns about nameservers before search domains when both are over', () => {
    const p = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'], searches: Array.from({ length: 33 }, (_, i) => `s${i}`) } });
    expect(warningsOf(p).map((w) => w.message.split(',')[0])).toEqual(['Nameserver limits were exceeded', 'Search Line limits were exceeded']);
  });
});

describe('the host file\'s limits (CheckLimitsForResolvConf)', () => {
  it('leaves room for the three cluster search domains', () => {
    const searches = Array.from({ length: 30 }, (_, i) => `h${i}.example`);
    expect(resolvConfLimitsProblem('/etc/resolv.conf', searches.slice(0, 29), 'cluster.local')).toBeUndefined();
    expect(resolvConfLimitsProblem('/etc/resolv.conf', searches, 'cluster.local'))
      .toBe("Resolv.conf file '/etc/resolv.conf' contains search line consisting of more than 29 domains!");
    expect(resolvConfLimitsProblem('/etc/resolv.conf', searches, '')).toBeUndefined();
  });

  it('reports a search domain or a search line that is too long', () => {
    expect(resolvConfLimitsProblem('/r', [`${'x'.repeat(254)}`], 'cluster.local'))
      .toBe('Resolv.conf file "/r" contains a search path which length is more than allowed 253 chars!');
    expect(resolvConfLimitsProblem('/r', Array.from({ length: 9 }, () => 'y'.repeat(250)), 'cluster.local'))
      .toBe("Resolv.conf file '/r' contains search line which length is more than allowed 2048 chars!");
  });
});

describe('the sandbox config', () => {
  it('carries the pod\'s DNS to the runtime, and none when the node computes none', () => {
    const dns = podDNSConfig(pod(), settings()).dns;
    expect(sandboxConfig(pod(), dns).dns).toEqual({
      servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'], options: ['ndots:5'],
    });
    expect(sandboxConfig(pod()).dns).toBeUndefined();
  });
});

describe('DNSConfigurer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-dns-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function recorder() {
    const events: Array<{ kind?: string; name?: string; uid?: string; type: string; reason: string; message: string }> = [];
    const r: EventRecorder = {
      event: (obj: KubernetesObject, type, reason, message) => { events.push({ kind: obj.kind, name: obj.metadata?.name, uid: obj.metadata?.uid, type, reason, message }); },
      flush: async () => {},
    };
    return { r, events };
  }

  it('reads the host file afresh for each pod and records the warnings on the node and the pod', () => {
    const file = path.join(dir, 'resolv.conf');
    writeFileSync(file, HOST_FILE);
    const { r, events } = recorder();
    const logs: string[] = [];
    const c = new DNSConfigurer({ nodeName: 'n1', clusterDNS: ['not-an-ip'], resolvConf: file, nodeIPs: () => ['172.30.0.10'], recorder: r, log: (m) => logs.push(m) });
    expect(c.clusterDNS).toEqual([]);
    expect(logs.join('\n')).toMatch(/invalid clusterDNS IP "not-an-ip"/);
    expect(resolvConf(c.podDNS(pod()))).toBe('search corp.example lab.example\nnameserver 10.255.255.53\nnameserver 10.255.255.54\noptions timeout:2 attempts:3\n');
    expect(events).toEqual([
      { kind: 'Node', name: 'n1', uid: 'n1', type: 'Warning', reason: 'MissingClusterDNS', message: expect.stringMatching(/^kubelet does not have ClusterDNS IP configured/) },
      { kind: 'Pod', name: 'web', uid: 'u-1', type: 'Warning', reason: 'MissingClusterDNS', message: expect.stringMatching(/^pod: "web_shop\(u-1\)"\. kubelet does not/) },
    ]);
    writeFileSync(file, 'nameserver 192.0.2.53\n');
    expect(c.podDNS(pod({ dnsPolicy: 'Default' }))).toEqual({ servers: ['192.0.2.53'], searches: [], options: [] });
  });

  it('uses cluster.local and /etc/resolv.conf by default', () => {
    const c = new DNSConfigurer({ nodeName: 'n1', clusterDNS: ['10.96.0.10'], nodeIPs: () => [], log: () => {} });
    expect(c.clusterDomain).toBe('cluster.local');
    expect(c.resolvConf).toBe('/etc/resolv.conf');
    expect(c.podDNS(pod()).searches.slice(0, 3)).toEqual(['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  });

  it('fails the pod\'s DNS when the host file cannot be read or names an empty nameserver, in upstream\'s words', () => {
    const missing = path.join(dir, 'missing.conf');
    const c = new DNSConfigurer({ nodeName: 'n1', clusterDNS: ['10.96.0.10'], resolvConf: missing, nodeIPs: () => [], log: () => {} });
    expect(() => c.podDNS(pod())).toThrow(`open ${missing}: no such file or directory`);
    const bad = path.join(dir, 'bad.conf');
    writeFileSync(bad, 'nameserver\n');
    const c2 = new DNSConfigurer({ nodeName: 'n1', clusterDNS: ['10.96.0.10'], resolvConf: bad, nodeIPs: () => [], log: () => {} });
    expect(() => c2.podDNS(pod())).toThrow('nameserver list is empty');
  });

  it('records a CheckLimitsForResolvConf warning on the node when the host file will not fit pods', () => {
    const file = path.join(dir, 'many.conf');
    writeFileSync(file, `nameserver 10.0.0.1\nsearch ${Array.from({ length: 30 }, (_, i) => `h${i}.example`).join(' ')}\n`);
    const { r, events } = recorder();
    new DNSConfigurer({ nodeName: 'n1', clusterDNS: ['10.96.0.10'], resolvConf: file, nodeIPs: () => [], recorder: r, log: () => {} }).checkResolvConfLimits();
    expect(events).toEqual([{
      kind: 'Node', name: 'n1', uid: 'n1', type: 'Warning', reason: 'CheckLimitsForResolvConf',
      message: `Resolv.conf file '${file}' contains search line consisting of more than 29 domains!`,
    }]);
    const quiet = recorder();
    writeFileSync(file, HOST_FILE);
    new DNSConfigurer({ nodeName: 'n1', resolvConf: file, nodeIPs: () => [], recorder: quiet.r, log: () => {} }).checkResolvConfLimits();
    expect(quiet.events).toEqual([]);
  });
});
