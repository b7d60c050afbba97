/**
 * IP addresses and ports: text forms, address classes, and the onion's fixed
 * 19-byte encoding (docs/protocol.md §2.1, §2.6; c-toxcore `toxcore/network.c`,
 * `toxcore/LAN_discovery.c`, `toxcore/onion.c` `ipport_pack` / `ipport_unpack`).
 *
 * `IpPort.ip` is always canonical text: IPv4 dotted decimal without leading
 * zeros; IPv6 per RFC 5952 (lowercase, no leading zeros, the longest run of two
 * or more zero groups as `::`), with IPv4-mapped addresses as `::ffff:a.b.c.d`.
 *
 * Onion IP_Port serialized form (19 bytes, `SIZE_IPPORT`):
 *
 * | offset | length | field                                                      |
 * |-------:|-------:|------------------------------------------------------------|
 * |      0 |      1 | family: 2 = IPv4, 10 = IPv6 (`IP_TYPE_UDP_IPV4/6`)          |
 * |      1 |     16 | IPv4 in the first 4 bytes then 12 zero bytes, or IPv6      |
 * |     17 |      2 | port, big-endian                                           |
 *
 * (The packed-node form, with 4- or 16-byte addresses, is in packed-node.ts.)
 */
import { Reader, Writer, type Bytes } from './bytes.js';
import { err, ok, type Result } from './result.js';

export type IpFamily = 'ipv4' | 'ipv6';

export interface IpPort {
  readonly family: IpFamily;
  /** Canonical text form (see the file header). */
  readonly ip: string;
  readonly port: number;
}

/**
 * The family ("ip_type") byte of an address on the wire, the same in the onion's IP_Port (UDP
 * only) and in packed nodes (all four): c-toxcore network.h `TOX_AF_INET`, `TOX_AF_INET6`,
 * `TOX_TCP_INET`, `TOX_TCP_INET6`.
 */
export const IP_TYPE_UDP_IPV4 = 2;
export const IP_TYPE_UDP_IPV6 = 10;
export const IP_TYPE_TCP_IPV4 = 130;
export const IP_TYPE_TCP_IPV6 = 138;
/** c-toxcore `SIZE_IP4` (network.h). */
export const IPV4_SIZE_BYTES = 4;
/** c-toxcore `SIZE_IP6` (network.h). */
export const IPV6_SIZE_BYTES = 16;
/** c-toxcore `SIZE_PORT` (network.h): big-endian. */
export const PORT_SIZE_BYTES = 2;
/** c-toxcore `SIZE_IPPORT` (network.h): family 1 + address 16 + port 2 = 19. */
export const ONION_IP_PORT_SIZE_BYTES = 1 + IPV6_SIZE_BYTES + PORT_SIZE_BYTES;

// ---------------------------------------------------------------------------
// Address text <-> bytes

/** Four decimal parts 0–255 without leading zeros (the only IPv4 text accepted), as bytes. */
function parseIpv4(s: string): Bytes | null {
  if (!isCanonicalIpv4(s)) return null;
  const out = new Uint8Array(4);
  let part = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) part++;
    else out[part] = out[part]! * 10 + (c - 48);
  }
  return out;
}

/** `s` is a dotted quad exactly as formatIpv4 writes it (what parseIpv4 accepts and formats back unchanged), without a regex. */
function isCanonicalIpv4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  let first = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c === 46) {
      if (digits === 0 || (digits > 1 && first === 48) || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) first = c;
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return parts === 4;
}

function parseIpv6(s: string): Bytes | null {
  if (s.length === 0 || s.length > 45) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string, allowV4Tail: boolean): number[] | null => {
    if (side === '') return [];
    const parts = side.split(':');
    const groups: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (allowV4Tail && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      groups.push(parseInt(p, 16));
    }
    return groups;
  };
  let groups: number[];
  if (halves.length === 1) {
    const g = parseSide(halves[0]!, true);
    if (!g || g.length !== 8) return null;
    groups = g;
  } else {
    const head = parseSide(halves[0]!, false);
    const tail = parseSide(halves[1]!, true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function formatIpv4(b: Bytes): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

function isIpv4Mapped(b: Bytes): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function formatIpv6(b: Bytes): string {
  if (isIpv4Mapped(b)) return `::ffff:${formatIpv4(b.subarray(12))}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexOf = (g: number): string => g.toString(16);
  if (bestLen < 2) return groups.map(hexOf).join(':');
  const head = groups.slice(0, bestStart).map(hexOf).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hexOf).join(':');
  return `${head}::${tail}`;
}

/** Parses an address literal (no port, no brackets, no zone) to its family and canonical text. */
export function parseIp(text: string): Result<{ family: IpFamily; ip: string }> {
  const v4 = parseIpv4(text);
  if (v4) return ok({ family: 'ipv4', ip: formatIpv4(v4) });
  const v6 = parseIpv6(text);
  if (v6) return ok({ family: 'ipv6', ip: formatIpv6(v6) });
  return err(`not an IPv4 or IPv6 address: ${JSON.stringify(text.slice(0, 64))}`);
}

/** The 4 or 16 address bytes of `ipPort` (network order). Throws if `ip` is not valid for `family`. */
export function ipToBytes(ipPort: Pick<IpPort, 'family' | 'ip'>): Bytes {
  const b = ipPort.family === 'ipv4' ? parseIpv4(ipPort.ip) : parseIpv6(ipPort.ip);
  if (!b) throw new Error(`ipToBytes: ${JSON.stringify(ipPort.ip)} is not a valid ${ipPort.family} address`);
  return b;
}

/** Canonical text for 4 (IPv4) or 16 (IPv6) address bytes. Throws on another length. */
export function ipFromBytes(family: IpFamily, bytes: Bytes): string {
  const n = family === 'ipv4' ? IPV4_SIZE_BYTES : IPV6_SIZE_BYTES;
  if (bytes.length !== n) throw new Error(`ipFromBytes: ${family} needs ${n} bytes, got ${bytes.length}`);
  return family === 'ipv4' ? formatIpv4(bytes) : formatIpv6(bytes);
}

function isPort(p: number): boolean {
  return Number.isInteger(p) && p >= 0 && p <= 0xffff;
}

/** Builds an `IpPort` from any accepted address text and a port, canonicalising the text. */
export function makeIpPort(ip: string, port: number): Result<IpPort> {
  if (!isPort(port)) return err(`not a port number: ${port}`);
  const r = parseIp(ip);
  if (!r.ok) return r;
  return ok({ family: r.value.family, ip: r.value.ip, port });
}

// ---------------------------------------------------------------------------
// Text form "a.b.c.d:port" / "[v6]:port"

export function formatIpPort(ipPort: IpPort): string {
  return ipPort.family === 'ipv6' ? `[${ipPort.ip}]:${ipPort.port}` : `${ipPort.ip}:${ipPort.port}`;
}

/** Parses "127.0.0.1:33445" or "[::1]:33445" (port 0..65535, decimal). */
export function parseIpPort(text: string): Result<IpPort> {
  const s = text.trim();
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return err(`bad address:port (expected "[ipv6]:port"): ${JSON.stringify(s.slice(0, 64))}`);
    host = s.slice(1, close);
    portText = s.slice(close + 2);
    if (!parseIpv6(host)) return err(`bad IPv6 address: ${JSON.stringify(host.slice(0, 64))}`);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return err(`bad address:port (no port): ${JSON.stringify(s.slice(0, 64))}`);
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (!parseIpv4(host)) return err(`bad IPv4 address (IPv6 needs brackets): ${JSON.stringify(host.slice(0, 64))}`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 0xffff) return err(`bad port: ${JSON.stringify(portText.slice(0, 16))}`);
  return makeIpPort(host, Number(portText));
}

/**
 * If `ipPort` is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), the plain IPv4
 * form; otherwise `ipPort` itself. c-toxcore does this to every received source
 * address (network.c `receivepacket`).
 */
export function unmapIpv4(ipPort: IpPort): IpPort {
  if (ipPort.family !== 'ipv6') return ipPort;
  const b = parseIpv6(ipPort.ip);
  if (!b || !isIpv4Mapped(b)) return ipPort;
  return { family: 'ipv4', ip: formatIpv4(b.subarray(12)), port: ipPort.port };
}

/**
 * A stable string key for maps: `formatIpPort` of the canonical form with
 * IPv4-mapped IPv6 folded to IPv4, so the two spellings c-toxcore's
 * `ipport_equal` treats as equal share a key.
 */
export function ipPortKey(ipPort: IpPort): string {
  // Fast path (every simulated datagram takes two keys): a canonical dotted quad is its own
  // canonical form, so the key is the text as given; anything else takes the general path.
  if (ipPort.family === 'ipv4' && isCanonicalIpv4(ipPort.ip)) return `${ipPort.ip}:${ipPort.port}`;
  const u = unmapIpv4(ipPort);
  const canonical = parseIp(u.ip);
  return formatIpPort(canonical.ok ? { family: canonical.value.family, ip: canonical.value.ip, port: u.port } : u);
}

export function equalIpPort(a: IpPort, b: IpPort): boolean {
  // The key ends in the port and is a function of (family, ip, port): two quick answers first.
  if (a.port !== b.port) return false;
  if (a.family === b.family && a.ip === b.ip) return true;
  return ipPortKey(a) === ipPortKey(b);
}

// ---------------------------------------------------------------------------
// Address classes

function v4Bytes(ipPort: Pick<IpPort, 'family' | 'ip'>): Bytes | null {
  if (ipPort.family === 'ipv4') return parseIpv4(ipPort.ip);
  const b = parseIpv6(ipPort.ip);
  return b && isIpv4Mapped(b) ? b.slice(12) : null;
}

/** 127.0.0.0/8, ::1, or an IPv4-mapped 127/8 (c-toxcore `ip_is_local`, LAN_discovery.c). */
export function isLoopback(ipPort: Pick<IpPort, 'family' | 'ip'>): boolean {
  const v4 = v4Bytes(ipPort);
  if (v4) return v4[0] === 127;
  if (ipPort.family !== 'ipv6') return false;
  const b = parseIpv6(ipPort.ip);
  if (!b) return false;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

function isLanIpv4(b: Bytes): boolean {
  const [a, c, d] = [b[0]!, b[1]!, b[2]!];
  if (a === 10) return true;
  if (a === 172 && c >= 16 && c <= 31) return true;
  if (a === 192 && c === 168) return true;
  if (a === 169 && c === 254 && d !== 0 && d !== 255) return true;
  return a === 100 && (c & 0xc0) === 0x40;
}

/**
 * c-toxcore `ip_is_lan` (LAN_discovery.c): loopback, 10/8, 172.16/12,
 * 192.168/16, 169.254/16 except third octet 0 or 255, 100.64/10, the same
 * ranges IPv4-mapped, fe80::/10, and ff00–ff02 multicast whose last byte is 1
 * (c-toxcore checks only bytes 0, 1 and 15, e.g. ff02::1).
 */
export function isLanAddress(ipPort: Pick<IpPort, 'family' | 'ip'>): boolean {
  if (isLoopback(ipPort)) return true;
  const v4 = v4Bytes(ipPort);
  if (v4) return isLanIpv4(v4);
  if (ipPort.family !== 'ipv6') return false;
  const b = parseIpv6(ipPort.ip);
  if (!b) return false;
  if (b[0] === 0xff && b[1]! < 3 && b[15] === 1) return true;
  return b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

// ---------------------------------------------------------------------------
// Onion 19-byte IP_Port

/** The fixed 19-byte onion form. Throws if `ipPort` is malformed (our own invariant). */
export function encodeOnionIpPort(ipPort: IpPort): Bytes {
  if (!isPort(ipPort.port)) throw new Error(`encodeOnionIpPort: bad port ${ipPort.port}`);
  const ip = ipToBytes(ipPort);
  // An IPv4 address fills the first 4 of the 16 address bytes; the rest are zero.
  return new Writer(ONION_IP_PORT_SIZE_BYTES)
    .u8(ipPort.family === 'ipv4' ? IP_TYPE_UDP_IPV4 : IP_TYPE_UDP_IPV6)
    .bytes(ip)
    .zeros(IPV6_SIZE_BYTES - ip.length)
    .u16(ipPort.port)
    .finish();
}

/**
 * Decodes the 19-byte onion form (exactly 19 bytes). Accepts only the UDP
 * families 2 and 10, as c-toxcore's relays do (`ipport_unpack` with the family
 * check on). For IPv4 the 12 bytes after the address are ignored, as c-toxcore
 * ignores them.
 */
export function decodeOnionIpPort(bytes: Bytes): Result<IpPort> {
  if (bytes.length !== ONION_IP_PORT_SIZE_BYTES) {
    return err(`onion IP_Port: expected ${ONION_IP_PORT_SIZE_BYTES} bytes, got ${bytes.length}`);
  }
  const r = new Reader(bytes);
  const family = r.u8();
  const address = r.bytes(IPV6_SIZE_BYTES);
  const port = r.u16();
  if (family === IP_TYPE_UDP_IPV4) return ok({ family: 'ipv4', ip: formatIpv4(address.subarray(0, IPV4_SIZE_BYTES)), port });
  if (family === IP_TYPE_UDP_IPV6) return ok({ family: 'ipv6', ip: formatIpv6(address), port });
  return err(`onion IP_Port: family byte ${family} is not 2 (IPv4) or 10 (IPv6)`);
}
