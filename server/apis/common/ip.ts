// IP and CIDR parsing as k8s.io/utils/net's "sloppy" parsers (Go's net.ParseIP, but leading zeros
// in IPv4 octets read as decimal), and the address classes upstream's validators ask about.
// The strict checks (canonical form, no leading zeros) live in machinery/validation.ts.

import { parseIP } from '../../../machinery/validation.ts';

/** A parsed address: always 16 bytes, as Go's net.IP; IPv4 addresses are stored 4-in-6. */
export interface IP {
  bytes: number[];
}

// Go keeps IPv4 addresses in 16 bytes behind this prefix (::ffff:a.b.c.d).
const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** netutils.ParseIPSloppy: undefined when the text is not an address (zones are not accepted). */
export function parseIPSloppy(s: string): IP | undefined {
  const ip = parseIP(s);
  if (!ip) return undefined;
  return { bytes: ip.bytes.length === 4 ? [...V4_PREFIX, ...ip.bytes] : ip.bytes };
}

/** Go's IP.To4() != nil: an IPv4 address, also when written as IPv4-mapped IPv6. */
export function isIPv4(ip: IP): boolean {
  return V4_PREFIX.every((b, i) => ip.bytes[i] === b);
}

export function isUnspecified(ip: IP): boolean {
  return isIPv4(ip) ? ip.bytes.slice(12).every((b) => b === 0) : ip.bytes.every((b) => b === 0);
}

export function isLoopback(ip: IP): boolean {
  if (isIPv4(ip)) return ip.bytes[12] === 127;
  return ip.bytes.slice(0, 15).every((b) => b === 0) && ip.bytes[15] === 1;
}

export function isLinkLocalUnicast(ip: IP): boolean {
  if (isIPv4(ip)) return ip.bytes[12] === 169 && ip.bytes[13] === 254;
  return ip.bytes[0] === 0xfe && (ip.bytes[1]! & 0xc0) === 0x80;
}

export function isLinkLocalMulticast(ip: IP): boolean {
  if (isIPv4(ip)) return ip.bytes[12] === 224 && ip.bytes[13] === 0 && ip.bytes[14] === 0;
  return ip.bytes[0] === 0xff && (ip.bytes[1]! & 0x0f) === 0x02;
}

/** A parsed CIDR: the network address (bits beyond the prefix cleared) and the prefix length in the address's own family. */
export interface CIDR {
  ip: IP;
  v4: boolean;
  prefix: number;
}

/** netutils.ParseCIDRSloppy: undefined when the text is not `address/prefix`. */
export function parseCIDRSloppy(s: string): CIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addrText = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  const ip = parseIPSloppy(addrText);
  if (!ip || !/^[0-9]+$/.test(lenText)) return undefined;
  // Go keeps the family the text was written in: an IPv4 address is a 32-bit network.
  const v4 = !addrText.includes(':');
  const bits = v4 ? 32 : 128;
  const prefix = Number(lenText);
  if (prefix > bits) return undefined;
  const offset = v4 ? 12 : 0;
  const bytes = ip.bytes.map((b, i) => {
    if (i < offset) return b;
    const keep = Math.max(0, Math.min(8, prefix - (i - offset) * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  return { ip: { bytes }, v4, prefix };
}

/** net.IPNet.Contains for the network `net` and address `ip`. */
export function cidrContains(net: CIDR, ip: IP): boolean {
  if (net.v4 !== isIPv4(ip)) return false;
  const offset = net.v4 ? 12 : 0;
  for (let i = 0; i * 8 < net.prefix; i++) {
    const keep = Math.min(8, net.prefix - i * 8);
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((ip.bytes[offset + i]! & mask) !== (net.ip.bytes[offset + i]! & mask)) return false;
  }
  return true;
}
