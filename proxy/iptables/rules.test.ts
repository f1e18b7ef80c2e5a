import { describe, expect, it } from 'vitest';
import { buildEndpointsMap, buildServicePorts } from '../servicemap.ts';
import { makeService, makeSlice } from '../testing.ts';
import {
  MAX_CHAIN_LENGTH, endpointChain, generateRules, jumpRules, missingJumps, parseSaved, probability, renderCleanup, renderRestore, serviceChains,
  topChains, validateClusterTag,
} from './rules.ts';

// A representative cluster: a plain ClusterIP service with a ready local, a ready remote and an
// unready endpoint; a NodePort service with no endpoints; a NodePort with externalTrafficPolicy
// Local and an external IP; a UDP service with ClientIP affinity and named target port; and an
// internalTrafficPolicy Local service whose only endpoint is on another node.
const services = [
  makeService({ namespace: 'ns1', name: 'svc1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] }),
  makeService({ namespace: 'ns1', name: 'empty', clusterIP: '172.30.0.42', type: 'NodePort', ports: [{ port: 80, nodePort: 30042 }] }),
  makeService({ namespace: 'ns2', name: 'np', clusterIP: '172.30.0.43', type: 'NodePort', externalTrafficPolicy: 'Local', externalIPs: ['192.0.2.100'], ports: [{ name: 'http', port: 80, nodePort: 30043 }] }),
  makeService({ namespace: 'ns2', name: 'dns', clusterIP: '172.30.0.10', sessionAffinitySeconds: 300, ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }] }),
  makeService({ namespace: 'ns3', name: 'itp', clusterIP: '172.30.0.44', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] }),
];
const slices = [
  makeSlice({ namespace: 'ns1', service: 'svc1', ports: [{ name: 'p80', port: 8080 }], endpoints: [{ ip: '10.180.0.1', node: 'local' }, { ip: '10.180.1.1', node: 'remote' }, { ip: '10.180.1.2', ready: false }] }),
  makeSlice({ namespace: 'ns2', service: 'np', ports: [{ name: 'http', port: 8080 }], endpoints: [{ ip: '10.180.0.3', node: 'local' }, { ip: '10.180.1.3', node: 'remote' }] }),
  makeSlice({ namespace: 'ns2', service: 'dns', ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }], endpoints: [{ ip: '10.180.0.4' }, { ip: '10.180.1.4' }] }),
  makeSlice({ namespace: 'ns3', service: 'itp', ports: [{ port: 80 }], endpoints: [{ ip: '10.180.1.5', node: 'remote' }] }),
];
const generate = (o: Partial<Parameters<typeof generateRules>[2]> = {}) =>
  generateRules(buildServicePorts(services), buildEndpointsMap(slices, new Set(['local'])), { tag: 't1', clusterCIDR: '10.180.0.0/16', ...o });

describe('iptables rules', () => {
  it('names chains as upstream does (SHA-256, base32) under the cluster tag, within 28 characters', () => {
    const sp = buildServicePorts([makeService({ namespace: 'ns1', name: 'svc1', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] })])[0]!;
    // Upstream's proxier_test.go: ns1/svc1:p80 is KUBE-SVC-XPGD46QRK7WJZT7O, its endpoint 10.180.0.1:80 KUBE-SEP-SXIVWICOYRO3J4NJ.
    expect(serviceChains('t1', sp)).toEqual({ cluster: 'CAP-t1-SVC-XPGD46QRK7WJZT7O', local: 'CAP-t1-SVL-XPGD46QRK7WJZT7O', external: 'CAP-t1-EXT-XPGD46QRK7WJZT7O' });
    expect(endpointChain('t1', sp, { ip: '10.180.0.1', port: 80, ready: true, serving: true, terminating: false, isLocal: false })).toBe('CAP-t1-SEP-SXIVWICOYRO3J4NJ');
    const long = [...Object.values(serviceChains('abcdefgh', sp)), ...Object.values(topChains('abcdefgh'))];
    expect(long.every((c) => c.length <= MAX_CHAIN_LENGTH)).toBe(true);
    expect(serviceChains('abcdefgh', sp).cluster).toBe('CAP-abcdefgh-SVC-XPGD46QRK7W');
    expect(() => validateClusterTag('Bad-Tag')).toThrow(/cluster tag/);
    expect(() => validateClusterTag('toolongtag')).toThrow(/cluster tag/);
  });

  it('writes the exact rules of upstream\'s iptables mode for a representative set of services', () => {
    expect(renderRestore(generate()).split('\n')).toEqual([
      '*filter',
      ':CAP-t1-SERVICES - [0:0]',
      ':CAP-t1-EXT-SERVICES - [0:0]',
      ':CAP-t1-FORWARD - [0:0]',
      ':CAP-t1-FIREWALL - [0:0]',
      '-A CAP-t1-SERVICES -m comment --comment "ns1/empty has no endpoints" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j REJECT',
      '-A CAP-t1-SERVICES -m comment --comment "ns3/itp has no local endpoints" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j DROP',
      '-A CAP-t1-EXT-SERVICES -m comment --comment "ns1/empty has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30042 -j REJECT',
      '-A CAP-t1-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A CAP-t1-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A CAP-t1-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A CAP-t1-FORWARD -m comment --comment "service traffic DNATed into the pod network" -d 10.180.0.0/16 -m conntrack --ctstate DNAT -j ACCEPT',
      '-A CAP-t1-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      'COMMIT',
      '*nat',
      ':CAP-t1-SERVICES - [0:0]',
      ':CAP-t1-NODEPORTS - [0:0]',
      ':CAP-t1-POSTROUTING - [0:0]',
      ':CAP-t1-MARK-MASQ - [0:0]',
      ':CAP-t1-SVC-XPGD46QRK7WJZT7O - [0:0]',
      ':CAP-t1-SEP-CPWPCALSNDDLLDLJ - [0:0]',
      ':CAP-t1-SEP-WSZU2WHNA7645Q2J - [0:0]',
      ':CAP-t1-SVC-P2PEPPDBVJT3HIZY - [0:0]',
      ':CAP-t1-SEP-ZQKXGHPAQZF3HKOR - [0:0]',
      ':CAP-t1-SEP-K75BQCDHJN42CGKZ - [0:0]',
      ':CAP-t1-SVC-CNWPH4VFLNYVSHDP - [0:0]',
      ':CAP-t1-EXT-CNWPH4VFLNYVSHDP - [0:0]',
      ':CAP-t1-SVL-CNWPH4VFLNYVSHDP - [0:0]',
      ':CAP-t1-SEP-X32Z2EW23RXBQBNE - [0:0]',
      ':CAP-t1-SEP-3XZOCEC3NOYZMMVG - [0:0]',
      '-A CAP-t1-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j CAP-t1-SVC-XPGD46QRK7WJZT7O',
      '-A CAP-t1-SERVICES -m comment --comment "ns2/dns:dns cluster IP" -m udp -p udp -d 172.30.0.10 --dport 53 -j CAP-t1-SVC-P2PEPPDBVJT3HIZY',
      '-A CAP-t1-SERVICES -m comment --comment "ns2/np:http cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j CAP-t1-SVC-CNWPH4VFLNYVSHDP',
      '-A CAP-t1-SERVICES -m comment --comment "ns2/np:http external IP" -m tcp -p tcp -d 192.0.2.100 --dport 80 -j CAP-t1-EXT-CNWPH4VFLNYVSHDP',
      '-A CAP-t1-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j CAP-t1-NODEPORTS',
      '-A CAP-t1-NODEPORTS -m comment --comment "ns2/np:http" -m tcp -p tcp --dport 30043 -j CAP-t1-EXT-CNWPH4VFLNYVSHDP',
      '-A CAP-t1-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A CAP-t1-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A CAP-t1-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A CAP-t1-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A CAP-t1-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.180.0.0/16 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:8080" -m statistic --mode random --probability 0.5000000000 -j CAP-t1-SEP-CPWPCALSNDDLLDLJ',
      '-A CAP-t1-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.1.1:8080" -j CAP-t1-SEP-WSZU2WHNA7645Q2J',
      '-A CAP-t1-SEP-CPWPCALSNDDLLDLJ -m comment --comment "ns1/svc1:p80" -s 10.180.0.1 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SEP-CPWPCALSNDDLLDLJ -m comment --comment "ns1/svc1:p80" -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:8080',
      '-A CAP-t1-SEP-WSZU2WHNA7645Q2J -m comment --comment "ns1/svc1:p80" -s 10.180.1.1 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SEP-WSZU2WHNA7645Q2J -m comment --comment "ns1/svc1:p80" -m tcp -p tcp -j DNAT --to-destination 10.180.1.1:8080',
      '-A CAP-t1-SVC-P2PEPPDBVJT3HIZY -m comment --comment "ns2/dns:dns cluster IP" -m udp -p udp -d 172.30.0.10 --dport 53 ! -s 10.180.0.0/16 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SVC-P2PEPPDBVJT3HIZY -m comment --comment "ns2/dns:dns -> 10.180.0.4:5353" -m recent --name CAP-t1-SEP-ZQKXGHPAQZF3HKOR --rcheck --seconds 300 --reap -j CAP-t1-SEP-ZQKXGHPAQZF3HKOR',
      '-A CAP-t1-SVC-P2PEPPDBVJT3HIZY -m comment --comment "ns2/dns:dns -> 10.180.1.4:5353" -m recent --name CAP-t1-SEP-K75BQCDHJN42CGKZ --rcheck --seconds 300 --reap -j CAP-t1-SEP-K75BQCDHJN42CGKZ',
      '-A CAP-t1-SVC-P2PEPPDBVJT3HIZY -m comment --comment "ns2/dns:dns -> 10.180.0.4:5353" -m statistic --mode random --probability 0.5000000000 -j CAP-t1-SEP-ZQKXGHPAQZF3HKOR',
      '-A CAP-t1-SVC-P2PEPPDBVJT3HIZY -m comment --comment "ns2/dns:dns -> 10.180.1.4:5353" -j CAP-t1-SEP-K75BQCDHJN42CGKZ',
      '-A CAP-t1-SEP-ZQKXGHPAQZF3HKOR -m comment --comment "ns2/dns:dns" -s 10.180.0.4 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SEP-ZQKXGHPAQZF3HKOR -m comment --comment "ns2/dns:dns" -m recent --name CAP-t1-SEP-ZQKXGHPAQZF3HKOR --set -m udp -p udp -j DNAT --to-destination 10.180.0.4:5353',
      '-A CAP-t1-SEP-K75BQCDHJN42CGKZ -m comment --comment "ns2/dns:dns" -s 10.180.1.4 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SEP-K75BQCDHJN42CGKZ -m comment --comment "ns2/dns:dns" -m recent --name CAP-t1-SEP-K75BQCDHJN42CGKZ --set -m udp -p udp -j DNAT --to-destination 10.180.1.4:5353',
      '-A CAP-t1-SVC-CNWPH4VFLNYVSHDP -m comment --comment "ns2/np:http cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.180.0.0/16 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SVC-CNWPH4VFLNYVSHDP -m comment --comment "ns2/np:http -> 10.180.0.3:8080" -m statistic --mode random --probability 0.5000000000 -j CAP-t1-SEP-X32Z2EW23RXBQBNE',
      '-A CAP-t1-SVC-CNWPH4VFLNYVSHDP -m comment --comment "ns2/np:http -> 10.180.1.3:8080" -j CAP-t1-SEP-3XZOCEC3NOYZMMVG',
      '-A CAP-t1-EXT-CNWPH4VFLNYVSHDP -m comment --comment "pod traffic for ns2/np:http external destinations" -s 10.180.0.0/16 -j CAP-t1-SVC-CNWPH4VFLNYVSHDP',
      '-A CAP-t1-EXT-CNWPH4VFLNYVSHDP -m comment --comment "masquerade LOCAL traffic for ns2/np:http external destinations" -m addrtype --src-type LOCAL -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-EXT-CNWPH4VFLNYVSHDP -m comment --comment "route LOCAL traffic for ns2/np:http external destinations" -m addrtype --src-type LOCAL -j CAP-t1-SVC-CNWPH4VFLNYVSHDP',
      '-A CAP-t1-EXT-CNWPH4VFLNYVSHDP -j CAP-t1-SVL-CNWPH4VFLNYVSHDP',
      '-A CAP-t1-SVL-CNWPH4VFLNYVSHDP -m comment --comment "ns2/np:http -> 10.180.0.3:8080" -j CAP-t1-SEP-X32Z2EW23RXBQBNE',
      '-A CAP-t1-SEP-X32Z2EW23RXBQBNE -m comment --comment "ns2/np:http" -s 10.180.0.3 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SEP-X32Z2EW23RXBQBNE -m comment --comment "ns2/np:http" -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:8080',
      '-A CAP-t1-SEP-3XZOCEC3NOYZMMVG -m comment --comment "ns2/np:http" -s 10.180.1.3 -j CAP-t1-MARK-MASQ',
      '-A CAP-t1-SEP-3XZOCEC3NOYZMMVG -m comment --comment "ns2/np:http" -m tcp -p tcp -j DNAT --to-destination 10.180.1.3:8080',
      'COMMIT',
      '',
    ]);
  });

  it('spreads n endpoints with probabilities 1/n, 1/(n-1), …, the last rule unconditional', () => {
    expect([2, 3, 4].map(probability)).toEqual(['0.5000000000', '0.3333333333', '0.2500000000']);
    const many = makeSlice({ namespace: 'ns1', service: 'svc1', ports: [{ name: 'p80', port: 8080 }], endpoints: ['10.1.0.1', '10.1.0.2', '10.1.0.3'].map((ip) => ({ ip })) });
    const rules = generateRules(buildServicePorts(services.slice(0, 1)), buildEndpointsMap([many], new Set()), { tag: 't1' }).nat.rules
      .filter((r) => r.startsWith('-A CAP-t1-SVC-XPGD46QRK7WJZT7O'));
    expect(rules.map((r) => /--probability (\S+)/.exec(r)?.[1] ?? 'last')).toEqual(['0.3333333333', '0.5000000000', 'last']);
  });

  it('without a cluster CIDR masquerades no cluster-IP traffic; masqueradeAll masquerades all of it', () => {
    const none = generate({ clusterCIDR: undefined }).nat.rules;
    expect(none.some((r) => r.includes('cluster IP') && r.endsWith('-j CAP-t1-MARK-MASQ'))).toBe(false);
    expect(none.some((r) => r.includes('pod traffic for'))).toBe(false);
    const all = generate({ masqueradeAll: true }).nat.rules;
    expect(all).toContain('-A CAP-t1-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j CAP-t1-MARK-MASQ');
  });

  it('with node IPs, NodePorts answer on those addresses only (127.0.0.1 keeps the martian rule)', () => {
    const r = generate({ nodePortAddresses: ['192.0.2.2', '127.0.0.1'] });
    expect(r.nat.rules.filter((l) => l.includes('-j CAP-t1-NODEPORTS'))).toEqual([
      '-A CAP-t1-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.0.2.2 -j CAP-t1-NODEPORTS',
      '-A CAP-t1-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 127.0.0.1 -j CAP-t1-NODEPORTS',
    ]);
    expect(r.filter.rules.some((l) => l.startsWith('-A CAP-t1-FIREWALL'))).toBe(true);
    expect(generate({ nodePortAddresses: ['192.0.2.2'] }).filter.rules.some((l) => l.startsWith('-A CAP-t1-FIREWALL'))).toBe(false);
  });

  it('sends load-balancer IPs to the external chain and drops them when no local endpoint serves a Local policy', () => {
    const lb = makeService({ namespace: 'ns4', name: 'lb', type: 'LoadBalancer', clusterIP: '172.30.0.50', externalTrafficPolicy: 'Local', loadBalancerIPs: ['198.51.100.9'], ports: [{ port: 443, nodePort: 30443 }] });
    const slice = makeSlice({ namespace: 'ns4', service: 'lb', ports: [{ port: 8443 }], endpoints: [{ ip: '10.180.1.9', node: 'remote' }] });
    const r = generateRules(buildServicePorts([lb]), buildEndpointsMap([slice], new Set(['local'])), { tag: 't1' });
    const ext = serviceChains('t1', buildServicePorts([lb])[0]!).external;
    expect(r.nat.rules).toContain(`-A CAP-t1-SERVICES -m comment --comment "ns4/lb loadbalancer IP" -m tcp -p tcp -d 198.51.100.9 --dport 443 -j ${ext}`);
    expect(r.filter.rules).toContain('-A CAP-t1-EXT-SERVICES -m comment --comment "ns4/lb has no local endpoints" -m tcp -p tcp -d 198.51.100.9 --dport 443 -j DROP');
    expect(r.filter.rules).toContain('-A CAP-t1-EXT-SERVICES -m comment --comment "ns4/lb has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30443 -j DROP');
    // No local endpoints: the external chain only short-circuits this host's own traffic.
    expect(r.nat.rules.filter((l) => l.startsWith(`-A ${ext}`)).map((l) => l.split(' -j ')[1])).toEqual(['CAP-t1-MARK-MASQ', serviceChains('t1', buildServicePorts([lb])[0]!).cluster]);
  });
});

describe('iptables transactions', () => {
  it('inserts missing jumps and deletes stale chains (and jumps into them) in the same transaction', () => {
    const text = renderRestore(generate(), {
      staleChains: { nat: ['CAP-t1-SVC-OLD', 'CAP-t1-SERVICES', 'CAP-t1-GONE'], filter: [] },
      missingJumps: jumpRules('t1').filter((j) => j.table === 'nat' && j.chain === 'PREROUTING'),
      staleJumps: { nat: ['OUTPUT -j CAP-t1-GONE'] },
    });
    const nat = text.slice(text.indexOf('*nat'));
    expect(nat).toContain(':CAP-t1-SVC-OLD - [0:0]\n');
    expect(nat).toContain('-I PREROUTING -m comment --comment "kubernetes service portals" -j CAP-t1-SERVICES\n-D OUTPUT -j CAP-t1-GONE\n-X CAP-t1-SVC-OLD\n-X CAP-t1-GONE\nCOMMIT\n');
    expect(nat).not.toContain('-X CAP-t1-SERVICES');
  });

  const savedNat = [
    '# Generated by iptables-save v1.8.9',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':CAP-t1-SERVICES - [0:0]',
    ':CAP-t1-SVC-AAAA - [0:0]',
    ':CAP-t2-SERVICES - [0:0]',
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j CAP-t1-SERVICES',
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j CAP-t2-SERVICES',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A CAP-t1-SERVICES -d 10.96.0.1/32 -p tcp -j CAP-t1-SVC-AAAA',
    'COMMIT',
  ].join('\n');

  it('reads its own chains and jumps from iptables-save, leaving other tags\' alone', () => {
    const saved = parseSaved(savedNat, 't1');
    expect(saved).toEqual({
      chains: ['CAP-t1-SERVICES', 'CAP-t1-SVC-AAAA'],
      jumps: [{ chain: 'PREROUTING', spec: 'PREROUTING -m comment --comment "kubernetes service portals" -j CAP-t1-SERVICES', target: 'CAP-t1-SERVICES' }],
    });
    const missing = missingJumps('t1', { nat: saved, filter: parseSaved('', 't1') });
    expect(missing.filter((j) => j.table === 'nat').map((j) => `${j.chain}->${j.target}`)).toEqual(['OUTPUT->CAP-t1-SERVICES', 'POSTROUTING->CAP-t1-POSTROUTING']);
    expect(missing.filter((j) => j.table === 'filter')).toHaveLength(7);
  });

  it('cleans up by deleting its jumps, then flushing and deleting its chains', () => {
    expect(renderCleanup({ nat: parseSaved(savedNat, 't1'), filter: parseSaved('', 't1') })).toBe([
      '*nat',
      ':CAP-t1-SERVICES - [0:0]',
      ':CAP-t1-SVC-AAAA - [0:0]',
      '-D PREROUTING -m comment --comment "kubernetes service portals" -j CAP-t1-SERVICES',
      '-X CAP-t1-SERVICES',
      '-X CAP-t1-SVC-AAAA',
      'COMMIT',
      '',
    ].join('\n'));
    expect(renderCleanup({ nat: parseSaved('', 't1'), filter: parseSaved('', 't1') })).toBe('');
  });
});
