import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as packet from 'dns-packet';
import type { Answer } from 'dns-packet';
import { forward, nameserversOf, parseUpstream } from './forward.ts';
import { dataOf, decodeReply, startFakeUpstream, type FakeUpstream } from './testing.ts';

const manyA = (name: string, n: number): Answer[] => Array.from({ length: n }, (_, i) => ({ name, type: 'A', ttl: 60, data: `192.0.2.${i + 1}` }));
const queryFor = (name: string, id = 777) => packet.encode({ id, type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] });

let good: FakeUpstream;
let dead: FakeUpstream;

beforeAll(async () => {
  good = await startFakeUpstream({
    answers: { 'example.test': [{ name: 'example.test', type: 'A', ttl: 60, data: '192.0.2.44' }], 'big.test': manyA('big.test', 100) },
    silent: ['quiet.test'], wrongId: ['spoofed.test'],
  });
  dead = await startFakeUpstream({ dead: true });
});

afterAll(async () => {
  await good?.close();
  await dead?.close();
});

describe('forwarding to upstream nameservers', () => {
  it('returns the upstream\'s reply under the client\'s own id, having asked under another', async () => {
    const reply = await forward(queryFor('example.test', 777), [parseUpstream(good.address)], { timeoutMs: 1_000 });
    const decoded = decodeReply(reply!);
    expect([decoded.id, decoded.rcode, decoded.answers!.map(dataOf)]).toEqual([777, 'NOERROR', ['192.0.2.44']]);
    expect(good.asked).toContain('example.test A udp');
  });

  it('passes NXDOMAIN through as an answer', async () => {
    const reply = await forward(queryFor('missing.test'), [parseUpstream(good.address)], { timeoutMs: 1_000 });
    expect(decodeReply(reply!).rcode).toBe('NXDOMAIN');
  });

  it('asks again over TCP when the UDP reply is truncated', async () => {
    const reply = await forward(queryFor('big.test'), [parseUpstream(good.address)], { timeoutMs: 1_000 });
    const decoded = decodeReply(reply!);
    expect([decoded.flag_tc, decoded.answers!.length]).toEqual([false, 100]);
    expect(good.asked.filter((a) => a.startsWith('big.test'))).toEqual(['big.test A udp', 'big.test A tcp']);
  });

  it('moves on to the next upstream when one does not answer in time', async () => {
    const started = Date.now();
    const reply = await forward(queryFor('example.test'), [parseUpstream(dead.address), parseUpstream(good.address)], { timeoutMs: 300 });
    expect(decodeReply(reply!).answers!.map(dataOf)).toEqual(['192.0.2.44']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(dead.asked).toContain('example.test A udp');
  });

  it('gives up when no upstream answers, and ignores a reply under a wrong id', async () => {
    expect(await forward(queryFor('quiet.test'), [parseUpstream(good.address)], { timeoutMs: 200 })).toBeUndefined();
    expect(await forward(queryFor('spoofed.test'), [parseUpstream(good.address)], { timeoutMs: 200 })).toBeUndefined();
    expect(good.asked).toContain('spoofed.test A udp');
  });

  it('stops waiting when the signal aborts', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 50);
    expect(await forward(queryFor('quiet.test'), [parseUpstream(good.address)], { timeoutMs: 5_000, signal: ac.signal })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('upstream addresses', () => {
  it('reads the nameservers of a resolv.conf', () => {
    expect(nameserversOf('# generated\nsearch example.com\nnameserver 10.255.255.53\nnameserver fd00::53 ; v6\noptions ndots:5\nnameserver not-an-ip\n')).toEqual(['10.255.255.53', 'fd00::53']);
  });

  it('parses ip, ip:port and [v6]:port', () => {
    expect(parseUpstream('10.0.0.1')).toEqual({ host: '10.0.0.1', port: 53 });
    expect(parseUpstream('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(parseUpstream('fd00::1')).toEqual({ host: 'fd00::1', port: 53 });
    expect(parseUpstream('[fd00::1]:5353')).toEqual({ host: 'fd00::1', port: 5353 });
  });
});
