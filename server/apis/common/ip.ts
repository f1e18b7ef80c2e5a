// IP and CIDR parsing as k8s.io/utils/net's "sloppy" parsers (Go's net.ParseIP, but leading zeros
// in IPv4 octets read as decimal), and the address classes upstream's validators ask about.
// The strict checks (canonical form, no leading zeros) live in machinery/validation.ts.

/** A parsed address: always 16 bytes, as Go's net.IP; IPv4 addresses are stored 4-in-6. */
export interface IP {
  bytes: number[];
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseV6(s: string): number[] | undefined {
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    text = text.slice(0, lastColon + 1) + '0:0';
    // the two placeholder groups are replaced by the IPv4 bytes below
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0 && dbl !== text.lastIndexOf('::')) return undefined;
  const groupsOf = (t: string): number[] | undefined => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = groupsOf(text.slice(0, dbl));
    const rest = groupsOf(text.slice(dbl + 2));
    if (!head || !rest) return undefined;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    const all = groupsOf(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** netutils.ParseIPSloppy: undefined when the text is not an address (zones are not accepted). */
export function parseIPSloppy(s: string): IP | undefined {
  if (s.includes(':')) {
    const b = parseV6(s);
    return b ? { bytes: b } : undefined;
  }
  const v4 = parseV4(s);
  return v4 ? { bytes: [...V4_PREFIX, ...v4] } : undefined;
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
