import { describe, expect, it } from 'vitest';
import * as packet from 'dns-packet';
import type { Answer } from 'dns-packet';
import { authoritativeReply, encodeWithin, errorReply, fitRaw, formatErrorFor, queryProblem, shuffleAddresses, udpLimitOf } from './message.ts';
import { RCODE } from './records.ts';
import { dataOf, decodeReply } from './testing.ts';

const query = (o: { edns?: number; rd?: boolean; name?: string; type?: 'A' | 'SRV' } = {}) => packet.decode(packet.encode({
  id: 4242, type: 'query', flags: o.rd === false ? 0 : packet.RECURSION_DESIRED,
  questions: [{ name: o.name ?? 'db.ns1.svc.cluster.local', type: o.type ?? 'A', class: 'IN' }],
  additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
}));

const manyA = (n: number): Answer[] => Array.from({ length: n }, (_, i) => ({ name: 'db.ns1.svc.cluster.local', type: 'A', ttl: 5, data: `10.240.${Math.floor(i / 250)}.${i % 250 + 1}` }));

describe('DNS replies', () => {
  it('answers authoritatively with the query id, question and RD bit, without claiming recursion', () => {
    const q = query();
    const reply = decodeReply(encodeWithin(authoritativeReply(q, { rcode: RCODE.NOERROR, answers: manyA(1), authorities: [], additionals: [] }), 512));
    expect([reply.id, reply.type, reply.flag_aa, reply.flag_rd, reply.flag_ra, reply.flag_tc, reply.rcode]).toEqual([4242, 'response', true, true, false, false, 'NOERROR']);
    expect(reply.questions).toEqual(q.questions);
    expect(reply.answers).toEqual([{ name: 'db.ns1.svc.cluster.local', type: 'A', ttl: 5, class: 'IN', flush: false, data: '10.240.0.1' }]);
  });

  it('echoes EDNS0 with our own payload size when the query carried it', () => {
    const reply = decodeReply(encodeWithin(authoritativeReply(query({ edns: 4096 }), { rcode: RCODE.NXDOMAIN, answers: [], authorities: [], additionals: [] }), 4096));
    expect(reply.rcode).toBe('NXDOMAIN');
    expect(reply.additionals).toHaveLength(1);
    expect(reply.additionals![0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232 });
    expect(decodeReply(encodeWithin(authoritativeReply(query(), { rcode: RCODE.NOERROR, answers: [], authorities: [], additionals: [] }), 512)).additionals).toEqual([]);
  });

  it('takes 512 bytes over UDP without EDNS0, the EDNS0 size with it (at most 4096)', () => {
    expect(udpLimitOf(query())).toBe(512);
    expect(udpLimitOf(query({ edns: 1232 }))).toBe(1232);
    expect(udpLimitOf(query({ edns: 100 }))).toBe(512);
    expect(udpLimitOf(query({ edns: 65000 }))).toBe(4096);
  });

  it('keeps the records that fit in 512 bytes and sets TC when an answer had to go', () => {
    const reply = authoritativeReply(query(), { rcode: RCODE.NOERROR, answers: manyA(40), authorities: [], additionals: [] });
    const wire = encodeWithin(reply, udpLimitOf(query()));
    expect(wire.length).toBeLessThanOrEqual(512);
    const decoded = decodeReply(wire);
    expect(decoded.flag_tc).toBe(true);
    expect(decoded.answers!.length).toBeGreaterThan(5);
    expect(decoded.answers!.length).toBeLessThan(40);
    expect(decoded.answers![0]).toMatchObject({ data: '10.240.0.1' });
  });

  it('sends the whole answer when the EDNS0 size or TCP allows it', () => {
    const q = query({ edns: 4096 });
    const reply = authoritativeReply(q, { rcode: RCODE.NOERROR, answers: manyA(40), authorities: [], additionals: [] });
    const viaEdns = decodeReply(encodeWithin(reply, udpLimitOf(q)));
    expect([viaEdns.flag_tc, viaEdns.answers!.length, viaEdns.additionals!.map((a) => a.type)]).toEqual([false, 40, ['OPT']]);
    const overTcp = decodeReply(encodeWithin(authoritativeReply(query(), { rcode: RCODE.NOERROR, answers: manyA(200), authorities: [], additionals: [] }), 65535));
    expect([overTcp.flag_tc, overTcp.answers!.length]).toEqual([false, 200]);
  });

  it('drops additional records first without setting TC, and keeps the OPT record when truncating', () => {
    const q = query({ edns: 512 });
    const srv: Answer[] = Array.from({ length: 4 }, (_, i) => ({ name: '_pg._tcp.db.ns1.svc.cluster.local', type: 'SRV', ttl: 5, data: { priority: 0, weight: 25, port: 5432, target: `db-${i}.db.ns1.svc.cluster.local` } }));
    const glue: Answer[] = srv.map((s, i) => ({ name: (dataOf(s) as { target: string }).target, type: 'A', ttl: 5, data: `10.240.1.${i}` }));
    const decoded = decodeReply(encodeWithin(authoritativeReply(q, { rcode: RCODE.NOERROR, answers: srv, authorities: [], additionals: glue }), udpLimitOf(q)));
    expect(decoded.flag_tc).toBe(false);
    expect(decoded.answers).toHaveLength(4);
    expect(decoded.additionals!.filter((a) => a.type === 'A').length).toBeLessThan(4);
    expect(decoded.additionals!.at(-1)!.type).toBe('OPT');
  });

  it('fits an upstream reply that is too long for the client, and passes a short one through untouched', () => {
    const q = query({ name: 'big.example' });
    const big = packet.encode({ id: 4242, type: 'response', flags: packet.RECURSION_AVAILABLE, questions: q.questions, answers: manyA(60).map((a) => ({ ...a, name: 'big.example' })) });
    const fitted = decodeReply(fitRaw(big, 512, q));
    expect([fitted.flag_tc, fitted.flag_ra, fitted.id]).toEqual([true, true, 4242]);
    const small = packet.encode({ id: 4242, type: 'response', flags: 0, questions: q.questions, answers: manyA(1) });
    expect(fitRaw(small, 512, q)).toBe(small);
  });

  it('answers what it cannot serve: FORMERR, NOTIMP, nothing for replies or noise', () => {
    const twoQuestions = packet.decode(packet.encode({ id: 1, type: 'query', questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] }));
    expect(queryProblem(twoQuestions)).toBe(RCODE.FORMERR);
    const notify = packet.decode(packet.encode({ id: 1, type: 'query', flags: 4 << 11, questions: [{ name: 'a', type: 'SOA' }] }));
    expect(queryProblem(notify)).toBe(RCODE.NOTIMP);
    expect(decodeReply(packet.encode(errorReply(notify, RCODE.NOTIMP)))).toMatchObject({ id: 1, rcode: 'NOTIMP', opcode: 'NOTIFY', flag_aa: false });
    expect(queryProblem(query())).toBeUndefined();
    const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]);
    expect(decodeReply(formatErrorFor(garbage)!)).toMatchObject({ id: 0x1234, rcode: 'FORMERR', flag_rd: true, type: 'response' });
    expect(formatErrorFor(Buffer.from([1, 2, 3]))).toBeUndefined();
  });

  it('shuffles address records among themselves and leaves the CNAME first (loadbalance)', () => {
    const cname: Answer = { name: 'x', type: 'CNAME', ttl: 5, data: 'y' };
    const answers = [cname, ...manyA(5)];
    const reversed = shuffleAddresses(answers, () => 0);
    expect(reversed[0]).toBe(cname);
    expect(reversed.slice(1).map(dataOf)).not.toEqual(answers.slice(1).map(dataOf));
    expect(new Set(reversed.slice(1).map(dataOf))).toEqual(new Set(answers.slice(1).map(dataOf)));
  });
});
