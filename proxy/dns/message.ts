// DNS messages around a lookup: the reply header (CoreDNS answers its zone authoritatively and
// does not claim recursion), EDNS0 echoed, and the fitting of a reply into what the client can
// take over UDP (512 bytes, or its EDNS0 size): records that do not fit are dropped and the TC
// bit tells the client to ask again over TCP (miekg/dns Msg.Truncate, which CoreDNS uses).
// Wire encoding is dns-packet's.
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet } from 'dns-packet';
import { RCODE, type Authoritative } from './records.ts';

/** RFC 1035's limit for UDP replies to clients without EDNS0. */
export const MIN_UDP_SIZE = 512;
/** What we take of a larger EDNS0 size (the common 4096 ceiling). */
export const MAX_UDP_SIZE = 4096;
/** The size we advertise in our own OPT record (the DNS flag day 2020 value). */
export const ADVERTISED_UDP_SIZE = 1232;
const MAX_TCP_SIZE = 65535;

const OPCODE_QUERY = 0;

const optOf = (p: Packet): OptAnswer | undefined => p.additionals?.find((a): a is OptAnswer => a.type === 'OPT');

/** The largest UDP reply the client said it takes. */
export function udpLimitOf(query: Packet): number {
  const opt = optOf(query);
  if (!opt) return MIN_UDP_SIZE;
  return Math.min(MAX_UDP_SIZE, Math.max(MIN_UDP_SIZE, opt.udpPayloadSize ?? MIN_UDP_SIZE));
}

/** The opcode of a decoded message (dns-packet keeps it inside `flags`). */
export const opcodeOf = (p: DecodedPacket): number => ((p.flags ?? 0) >> 11) & 0xf;

/** A reply to `query`: its id, question, opcode and RD bit, our OPT when it sent one. */
function replyTo(query: DecodedPacket, rcode: number, authoritative: boolean): Packet {
  let flags = (opcodeOf(query) << 11) | (rcode & 0xf);
  if (authoritative) flags |= packet.AUTHORITATIVE_ANSWER;
  if (query.flag_rd) flags |= packet.RECURSION_DESIRED;
  if (query.flag_cd) flags |= packet.CHECKING_DISABLED;
  const opt = optOf(query);
  return {
    id: query.id, type: 'response', flags,
    questions: query.questions ?? [],
    answers: [], authorities: [],
    additionals: opt ? [{ type: 'OPT', name: '.', udpPayloadSize: ADVERTISED_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: opt.flags & packet.DNSSEC_OK, flag_do: opt.flag_do, options: [] }] : [],
  };
}

/** The reply carrying a lookup's records. */
export function authoritativeReply(query: DecodedPacket, res: Authoritative): Packet {
  const reply = replyTo(query, res.rcode, res.rcode !== RCODE.REFUSED);
  reply.answers = res.answers;
  reply.authorities = res.authorities;
  reply.additionals = [...res.additionals, ...(reply.additionals ?? [])];
  return reply;
}

/** A reply with no records: SERVFAIL when no upstream answered, NOTIMP for other opcodes, FORMERR. */
export function errorReply(query: DecodedPacket, rcode: number): Packet {
  return replyTo(query, rcode, false);
}

/** Whether the message is a standard query we can answer: one question, opcode QUERY. */
export function queryProblem(query: DecodedPacket): number | undefined {
  if (query.type === 'response') return RCODE.FORMERR;
  if (opcodeOf(query) !== OPCODE_QUERY) return RCODE.NOTIMP;
  if ((query.questions?.length ?? 0) !== 1) return RCODE.FORMERR;
  return undefined;
}

/** A FORMERR for bytes that did not decode, when they at least carry a header to echo the id of. */
export function formatErrorFor(raw: Buffer): Buffer | undefined {
  if (raw.length < 12 || (raw[2]! & 0x80) !== 0) return undefined;
  const id = raw.readUInt16BE(0);
  const rd = raw.readUInt16BE(2) & packet.RECURSION_DESIRED;
  return packet.encode({ id, type: 'response', flags: rd | RCODE.FORMERR, questions: [], answers: [], authorities: [], additionals: [] });
}

/**
 * Encodes a reply within `limit` bytes. When it is longer, records are kept in order while they
 * fit (answers, then authorities, then additionals, the OPT record always kept) and TC is set if
 * an answer or authority record had to go (miekg/dns Msg.Truncate).
 */
export function encodeWithin(reply: Packet, limit: number): Buffer {
  const size = Math.max(MIN_UDP_SIZE, Math.min(limit, MAX_TCP_SIZE));
  const whole = packet.encode(reply);
  if (whole.length <= size) return whole;
  const opt = optOf(reply);
  const others = (reply.additionals ?? []).filter((a) => a.type !== 'OPT');
  let used = 12 + (reply.questions ?? []).reduce((n, q) => n + packet.encodingLength({ questions: [q] }) - 12, 0)
    + (opt ? packet.encodingLength({ additionals: [opt] }) - 12 : 0);
  const fit = (list: Answer[]): Answer[] => {
    const kept: Answer[] = [];
    for (const rr of list) {
      const len = packet.encodingLength({ answers: [rr] }) - 12;
      if (used + len > size) break;
      used += len;
      kept.push(rr);
    }
    return kept;
  };
  const answers = fit(reply.answers ?? []);
  const authorities = answers.length === (reply.answers ?? []).length ? fit(reply.authorities ?? []) : [];
  const additionals = authorities.length === (reply.authorities ?? []).length && answers.length === (reply.answers ?? []).length ? fit(others) : [];
  const truncated = answers.length < (reply.answers ?? []).length || authorities.length < (reply.authorities ?? []).length;
  return packet.encode({
    ...reply,
    flags: (reply.flags ?? 0) | (truncated ? packet.TRUNCATED_RESPONSE : 0),
    answers, authorities, additionals: [...additionals, ...(opt ? [opt] : [])],
  });
}

/**
 * Fits an upstream's raw reply to `query` for the client: unchanged when it fits, else re-encoded
 * smaller with TC.
 */
export function fitRaw(raw: Buffer, limit: number, query: DecodedPacket): Buffer {
  if (raw.length <= Math.max(MIN_UDP_SIZE, limit)) return raw;
  try {
    return encodeWithin({ ...packet.decode(raw), type: 'response' }, limit);
  } catch {
    // A reply dns-packet cannot read back: its header flags and the question alone, with TC,
    // and the client asks again over TCP.
    const flags = raw.readUInt16BE(2) & 0x7fff;
    return packet.encode({ id: query.id, type: 'response', flags: flags | packet.TRUNCATED_RESPONSE, questions: query.questions ?? [], answers: [], authorities: [], additionals: [] });
  }
}

/** The `loadbalance` plugin of the kubeadm Corefile: address records in random order, everything else in place. */
export function shuffleAddresses(answers: Answer[], random: () => number = Math.random): Answer[] {
  const slots = answers.flatMap((a, i) => (a.type === 'A' || a.type === 'AAAA' ? [i] : []));
  if (slots.length < 2) return answers;
  const picked = slots.map((i) => answers[i]!);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [picked[i], picked[j]] = [picked[j]!, picked[i]!];
  }
  const out = [...answers];
  slots.forEach((slot, k) => { out[slot] = picked[k]!; });
  return out;
}
