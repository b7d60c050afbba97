/**
 * Capture files: a reader for classic pcap and pcapng, and the link/IP/UDP unwrapping that turns
 * a captured frame into a UDP datagram. Pure parsing of bytes that are already in memory: no file
 * I/O, no clock (reading the file is the CLI's job, cli/commands/dissect.ts). Nothing here throws
 * on input bytes; malformed files and frames become error values or skip reasons.
 *
 * Classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html; either byte order):
 *
 * | offset | length   | field                                                        |
 * |-------:|---------:|--------------------------------------------------------------|
 * |      0 |        4 | magic a1b2c3d4 (µs stamps) or a1b23c4d (ns stamps)           |
 * |      4 |        4 | version major 2, minor 4 (u16 each)                          |
 * |      8 |        8 | thiszone, sigfigs (ignored)                                  |
 * |     16 |        4 | snaplen                                                      |
 * |     20 |        4 | link type (low 16 bits; the upper bits carry FCS flags)     |
 * |     24 |       16 | per record: ts_sec, ts_frac, incl_len, orig_len (u32 each)   |
 * |     40 | incl_len | the frame                                                    |
 *
 * pcapng (IETF draft-ietf-opsawg-pcapng): a run of blocks `[type u32][total length u32][body]
 * [total length u32]`, byte order set by each Section Header Block (type 0a0d0d0a, byte-order
 * magic 1a2b3c4d). Interface Description Blocks (type 1) give each interface its link type and
 * timestamp resolution (option if_tsresol 9, default 10^-6 s) and offset (if_tsoffset 14).
 * Frames come in Enhanced Packet Blocks (6), Simple Packet Blocks (3, no timestamp) and the
 * obsolete Packet Blocks (2); every other block type is skipped.
 *
 * Link types (https://www.tcpdump.org/linktypes.html): NULL 0 and LOOP 108 (BSD loopback, a
 * 4-byte address family), ETHERNET 1 (with 802.1Q/802.1ad tags), RAW 101 (and the DLT_RAW values
 * 12 and 14 some systems write), LINUX_SLL 113, IPV4 228, IPV6 229, LINUX_SLL2 276. IPv4 and IPv6
 * (with extension headers) down to UDP; fragments are skipped, not reassembled.
 */
import type { Bytes } from './bytes.js';
import { ipFromBytes, type IpPort } from './ip-port.js';
import { err, ok, type Result } from './result.js';

/** Classic pcap magic with microsecond stamps, as read in the file's own byte order. */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** Classic pcap magic with nanosecond stamps. */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
/** pcapng Section Header Block type (the same in both byte orders). */
export const PCAPNG_SECTION_HEADER_BLOCK = 0x0a0d0d0a;
/** pcapng byte-order magic inside a Section Header Block. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAPNG_INTERFACE_DESCRIPTION_BLOCK = 1;
const PCAPNG_PACKET_BLOCK = 2;
const PCAPNG_SIMPLE_PACKET_BLOCK = 3;
const PCAPNG_ENHANCED_PACKET_BLOCK = 6;
const PCAPNG_OPTION_END = 0;
const PCAPNG_OPTION_IF_TSRESOL = 9;
const PCAPNG_OPTION_IF_TSOFFSET = 14;
const CLASSIC_GLOBAL_HEADER_BYTES = 24;
const CLASSIC_RECORD_HEADER_BYTES = 16;

/** Link types this reader unwraps (tcpdump.org linktypes; DLT_RAW 12/14 are platform aliases of RAW). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  DLT_RAW_12: 12,
  DLT_RAW_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];
const ETHERNET_HEADER_BYTES = 14;
const VLAN_TAG_BYTES = 4;
const SLL_HEADER_BYTES = 16;
const SLL2_HEADER_BYTES = 20;
const NULL_HEADER_BYTES = 4;
/** BSD loopback address families: AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24, 28 or 30 (BSDs, macOS). */
const LOOPBACK_AF_INET = 2;
const LOOPBACK_AF_INET6 = [10, 24, 28, 30];
const IP_PROTOCOL_UDP = 17;
const IPV4_MIN_HEADER_BYTES = 20;
const IPV6_HEADER_BYTES = 40;
const UDP_HEADER_BYTES = 8;
/** IPv6 extension headers we walk past: hop-by-hop 0, routing 43, fragment 44, AH 51, destination options 60. */
const IPV6_EXT_HOP_BY_HOP = 0;
const IPV6_EXT_ROUTING = 43;
const IPV6_EXT_FRAGMENT = 44;
const IPV6_EXT_AUTH = 51;
const IPV6_EXT_DEST_OPTS = 60;
/** Bound on the extension-header walk, so a crafted chain cannot loop for long. */
const IPV6_MAX_EXTENSION_HEADERS = 16;

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureRecord {
  /** 1-based position among the file's frames (the frame number Wireshark shows). */
  readonly frame: number;
  /** Unix time in nanoseconds, or null when the block carries none (pcapng Simple Packet Block). */
  readonly timeNs: bigint | null;
  /** Fraction digits the stamp really has (6 for µs, 9 for ns), for display. */
  readonly timeDigits: number;
  readonly linktype: number;
  /** The captured bytes (possibly fewer than `origLen` when the snap length cut the frame). */
  readonly data: Bytes;
  readonly origLen: number;
}

export interface Capture {
  readonly format: CaptureFormat;
  readonly records: readonly CaptureRecord[];
  /** Why reading stopped before the end of the file (a truncated or corrupt last record), or null. */
  readonly stoppedEarly: string | null;
}

interface Endian {
  readonly little: boolean;
  u16(o: number): number;
  u32(o: number): number;
  u64(o: number): bigint;
}

function endian(bytes: Bytes, little: boolean): Endian {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { little, u16: (o) => v.getUint16(o, little), u32: (o) => v.getUint32(o, little), u64: (o) => v.getBigUint64(o, little) };
}

/** Reads a pcap or pcapng file. An error means the file is not a capture at all (or its header is cut). */
export function parseCapture(bytes: Bytes): Result<Capture> {
  if (bytes.length < 4) return err(`not a pcap or pcapng file: only ${bytes.length} bytes`);
  const be = endian(bytes, false).u32(0);
  if (be === PCAPNG_SECTION_HEADER_BLOCK) return parsePcapng(bytes);
  const le = endian(bytes, true).u32(0);
  for (const [magic, little] of [
    [be, false],
    [le, true],
  ] as const) {
    if (magic === PCAP_MAGIC_MICROSECONDS || magic === PCAP_MAGIC_NANOSECONDS) {
      return parseClassic(bytes, little, magic === PCAP_MAGIC_NANOSECONDS);
    }
  }
  return err(`not a pcap or pcapng file: it starts with ${hex4(bytes)}`);
}

function hex4(bytes: Bytes): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
}

function parseClassic(bytes: Bytes, little: boolean, nanos: boolean): Result<Capture> {
  if (bytes.length < CLASSIC_GLOBAL_HEADER_BYTES) {
    return err(`truncated pcap: ${bytes.length} bytes, shorter than the ${CLASSIC_GLOBAL_HEADER_BYTES}-byte file header`);
  }
  const e = endian(bytes, little);
  const major = e.u16(4);
  if (major !== 2) return err(`unsupported pcap version ${major}.${e.u16(6)} (expected 2.4)`);
  const linktype = e.u32(20) & 0xffff;
  const records: CaptureRecord[] = [];
  let o = CLASSIC_GLOBAL_HEADER_BYTES;
  let stoppedEarly: string | null = null;
  while (o < bytes.length) {
    const frame = records.length + 1;
    if (o + CLASSIC_RECORD_HEADER_BYTES > bytes.length) {
      stoppedEarly = `record ${frame} at byte ${o} is truncated: its 16-byte header is cut after ${bytes.length - o} bytes`;
      break;
    }
    const sec = e.u32(o);
    const frac = e.u32(o + 4);
    const incl = e.u32(o + 8);
    const orig = e.u32(o + 12);
    if (o + CLASSIC_RECORD_HEADER_BYTES + incl > bytes.length) {
      stoppedEarly = `record ${frame} at byte ${o} is truncated: it declares ${incl} bytes, ${bytes.length - o - CLASSIC_RECORD_HEADER_BYTES} remain`;
      break;
    }
    const timeNs = BigInt(sec) * 1_000_000_000n + BigInt(frac) * (nanos ? 1n : 1000n);
    const start = o + CLASSIC_RECORD_HEADER_BYTES;
    records.push({ frame, timeNs, timeDigits: nanos ? 9 : 6, linktype, data: bytes.slice(start, start + incl), origLen: orig });
    o = start + incl;
  }
  return ok({ format: 'pcap', records, stoppedEarly });
}

interface PcapngInterface {
  readonly linktype: number;
  readonly snaplen: number;
  /** Nanoseconds per tick as a rational: ticks × num / den. */
  readonly num: bigint;
  readonly den: bigint;
  readonly digits: number;
  readonly offsetNs: bigint;
}

function parsePcapng(bytes: Bytes): Result<Capture> {
  const records: CaptureRecord[] = [];
  let interfaces: PcapngInterface[] = [];
  let e: Endian | null = null;
  let o = 0;
  let stoppedEarly: string | null = null;
  while (o < bytes.length) {
    if (o + 12 > bytes.length) {
      if (o === 0) return err(`truncated pcapng: ${bytes.length} bytes, shorter than a section header block`);
      stoppedEarly = `block at byte ${o} is truncated: ${bytes.length - o} bytes left, a block needs at least 12`;
      break;
    }
    const typeBe = endian(bytes, false).u32(o);
    if (typeBe === PCAPNG_SECTION_HEADER_BLOCK) {
      const bomLe = endian(bytes, true).u32(o + 8);
      if (bomLe === PCAPNG_BYTE_ORDER_MAGIC) e = endian(bytes, true);
      else if (endian(bytes, false).u32(o + 8) === PCAPNG_BYTE_ORDER_MAGIC) e = endian(bytes, false);
      else {
        if (o === 0) return err('not a pcapng file: the section header has no byte-order magic');
        stoppedEarly = `section header at byte ${o} has no byte-order magic`;
        break;
      }
      interfaces = [];
    }
    if (!e) return err('not a pcapng file: it does not start with a section header block');
    const type = e.u32(o);
    const total = e.u32(o + 4);
    if (total < 12 || total % 4 !== 0) {
      if (o === 0) return err(`not a pcapng file: the first block declares ${total} bytes`);
      stoppedEarly = `block at byte ${o} declares an impossible length ${total}`;
      break;
    }
    if (o + total > bytes.length) {
      if (o === 0) return err(`truncated pcapng: the section header declares ${total} bytes, ${bytes.length} exist`);
      stoppedEarly = `block at byte ${o} is truncated: it declares ${total} bytes, ${bytes.length - o} remain`;
      break;
    }
    if (e.u32(o + total - 4) !== total) {
      if (o === 0) return err('not a pcapng file: the section header block has mismatched lengths');
      stoppedEarly = `block at byte ${o} is corrupt: its trailing length differs from ${total}`;
      break;
    }
    const body = bytes.subarray(o + 8, o + total - 4);
    const be = endian(body, e.little);
    switch (type) {
      case PCAPNG_INTERFACE_DESCRIPTION_BLOCK:
        if (body.length >= 8) interfaces.push(readInterface(body, be));
        break;
      case PCAPNG_ENHANCED_PACKET_BLOCK:
      case PCAPNG_PACKET_BLOCK: {
        // The enhanced block has a 32-bit interface id; the obsolete one a 16-bit id and 16 bits of drops.
        if (body.length < 20) break;
        const iface = interfaces[type === PCAPNG_PACKET_BLOCK ? be.u16(0) : be.u32(0)];
        const cap = be.u32(12);
        if (!iface || 20 + cap > body.length) {
          stoppedEarly = iface ? `packet block at byte ${o} is corrupt: it declares ${cap} captured bytes` : `packet block at byte ${o} names an undescribed interface`;
          break;
        }
        const ticks = (BigInt(be.u32(4)) << 32n) | BigInt(be.u32(8));
        records.push({
          frame: records.length + 1,
          timeNs: (ticks * iface.num) / iface.den + iface.offsetNs,
          timeDigits: iface.digits,
          linktype: iface.linktype,
          data: body.slice(20, 20 + cap),
          origLen: be.u32(16),
        });
        break;
      }
      case PCAPNG_SIMPLE_PACKET_BLOCK: {
        if (body.length < 4) break;
        const iface = interfaces[0];
        if (!iface) {
          stoppedEarly = `simple packet block at byte ${o} comes before any interface description`;
          break;
        }
        const orig = be.u32(0);
        let cap = Math.min(orig, body.length - 4);
        if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        records.push({ frame: records.length + 1, timeNs: null, timeDigits: 0, linktype: iface.linktype, data: body.slice(4, 4 + cap), origLen: orig });
        break;
      }
      default:
        break; // name resolution, statistics, custom and unknown blocks carry no frames
    }
    if (stoppedEarly) break;
    o += total;
  }
  return ok({ format: 'pcapng', records, stoppedEarly });
}


function readInterface(body: Bytes, e: Endian): PcapngInterface {
  const linktype = e.u16(0);
  const snaplen = e.u32(4);
  let num = 1000n; // default resolution 10^-6 s: 1000 ns per tick
  let den = 1n;
  let digits = 6;
  let offsetNs = 0n;
  let o = 8;
  while (o + 4 <= body.length) {
    const code = e.u16(o);
    const len = e.u16(o + 2);
    if (code === PCAPNG_OPTION_END || o + 4 + len > body.length) break;
    const value = body.subarray(o + 4, o + 4 + len);
    if (code === PCAPNG_OPTION_IF_TSRESOL && len >= 1) {
      const r = value[0]!;
      const exp = r & 0x7f;
      if (r & 0x80) {
        // 2^-exp seconds per tick.
        num = 1_000_000_000n;
        den = 1n << BigInt(exp);
        digits = 9;
      } else if (exp <= 9) {
        num = 10n ** BigInt(9 - exp);
        den = 1n;
        digits = exp;
      } else {
        num = 1n;
        den = 10n ** BigInt(exp - 9);
        digits = 9;
      }
    } else if (code === PCAPNG_OPTION_IF_TSOFFSET && len >= 8) {
      offsetNs = BigInt.asIntN(64, e.u64(o + 4)) * 1_000_000_000n;
    }
    o += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { linktype, snaplen, num, den, digits, offsetNs };
}


// ---------------------------------------------------------------------------
// Frames → UDP datagrams

export interface UdpDatagram {
  readonly src: IpPort;
  readonly dst: IpPort;
  /** The UDP payload as captured (shorter than `size` when the capture cut the frame). */
  readonly payload: Bytes;
  /** The payload size the UDP header declares. */
  readonly size: number;
}

/** Either a UDP datagram or the reason the frame is skipped (a short phrase, used to count skips). */
export type FrameResult = { readonly ok: true; readonly value: UdpDatagram } | { readonly ok: false; readonly skip: string };

const skip = (reason: string): FrameResult => ({ ok: false, skip: reason });

function be16(b: Bytes, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Unwraps one captured frame of link type `linktype` down to its UDP datagram. Never throws. */
export function udpFromFrame(linktype: number, frame: Bytes): FrameResult {
  switch (linktype) {
    case LINKTYPE.ETHERNET: {
      let o = 12;
      if (frame.length < ETHERNET_HEADER_BYTES) return skip('frame shorter than its link header');
      let type = be16(frame, o);
      while (ETHERTYPE_VLAN.includes(type)) {
        o += VLAN_TAG_BYTES;
        if (frame.length < o + 2) return skip('frame shorter than its link header');
        type = be16(frame, o);
      }
      return byEthertype(type, frame.subarray(o + 2));
    }
    case LINKTYPE.LINUX_SLL:
      if (frame.length < SLL_HEADER_BYTES) return skip('frame shorter than its link header');
      return byEthertype(be16(frame, 14), frame.subarray(SLL_HEADER_BYTES));
    case LINKTYPE.LINUX_SLL2:
      if (frame.length < SLL2_HEADER_BYTES) return skip('frame shorter than its link header');
      return byEthertype(be16(frame, 0), frame.subarray(SLL2_HEADER_BYTES));
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (frame.length < NULL_HEADER_BYTES) return skip('frame shorter than its link header');
      const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      // NULL stores the family in the capturing host's byte order, LOOP in network order.
      const families = linktype === LINKTYPE.LOOP ? [v.getUint32(0, false)] : [v.getUint32(0, true), v.getUint32(0, false)];
      const rest = frame.subarray(NULL_HEADER_BYTES);
      if (families.includes(LOOPBACK_AF_INET)) return fromIpv4(rest);
      if (families.some((f) => LOOPBACK_AF_INET6.includes(f))) return fromIpv6(rest);
      return skip('not IP');
    }
    case LINKTYPE.RAW:
    case LINKTYPE.DLT_RAW_12:
    case LINKTYPE.DLT_RAW_14:
      if (frame.length < 1) return skip('empty frame');
      if (frame[0]! >> 4 === 4) return fromIpv4(frame);
      if (frame[0]! >> 4 === 6) return fromIpv6(frame);
      return skip('not IP');
    case LINKTYPE.IPV4:
      return fromIpv4(frame);
    case LINKTYPE.IPV6:
      return fromIpv6(frame);
    default:
      return skip(`unsupported link type ${linktype}`);
  }
}

function byEthertype(type: number, rest: Bytes): FrameResult {
  if (type === ETHERTYPE_IPV4) return fromIpv4(rest);
  if (type === ETHERTYPE_IPV6) return fromIpv6(rest);
  return skip('not IP');
}

function fromIpv4(p: Bytes): FrameResult {
  if (p.length < IPV4_MIN_HEADER_BYTES) return skip('IP header cut short');
  if (p[0]! >> 4 !== 4) return skip('malformed IP header');
  const ihl = (p[0]! & 0x0f) * 4;
  const total = be16(p, 2);
  if (ihl < IPV4_MIN_HEADER_BYTES || total < ihl || p.length < ihl) return skip('malformed IP header');
  const flagsFrag = be16(p, 6);
  if ((flagsFrag & 0x2000) !== 0 || (flagsFrag & 0x1fff) !== 0) return skip('IP fragment (not reassembled)');
  if (p[9] !== IP_PROTOCOL_UDP) return skip('not UDP');
  const src = ipFromBytes('ipv4', p.subarray(12, 16));
  const dst = ipFromBytes('ipv4', p.subarray(16, 20));
  return fromUdp('ipv4', src, dst, p.subarray(ihl, Math.min(p.length, total)));
}

function fromIpv6(p: Bytes): FrameResult {
  if (p.length < IPV6_HEADER_BYTES) return skip('IP header cut short');
  if (p[0]! >> 4 !== 6) return skip('malformed IP header');
  const payloadLength = be16(p, 4);
  let next = p[6]!;
  const src = ipFromBytes('ipv6', p.subarray(8, 24));
  const dst = ipFromBytes('ipv6', p.subarray(24, 40));
  const end = Math.min(p.length, IPV6_HEADER_BYTES + payloadLength);
  let o = IPV6_HEADER_BYTES;
  for (let i = 0; i < IPV6_MAX_EXTENSION_HEADERS && next !== IP_PROTOCOL_UDP; i++) {
    if (!isIpv6Extension(next)) return skip('not UDP');
    if (o + 8 > end) return skip('IP header cut short');
    const header = next;
    next = p[o]!;
    if (header === IPV6_EXT_FRAGMENT) {
      const fragment = be16(p, o + 2);
      if ((fragment & 0xfff8) !== 0 || (fragment & 1) !== 0) return skip('IP fragment (not reassembled)');
      o += 8;
    } else if (header === IPV6_EXT_AUTH) {
      o += (p[o + 1]! + 2) * 4;
    } else {
      o += (p[o + 1]! + 1) * 8;
    }
  }
  if (next !== IP_PROTOCOL_UDP) return skip('not UDP');
  if (o > end) return skip('IP header cut short');
  return fromUdp('ipv6', src, dst, p.subarray(o, end));
}

function isIpv6Extension(n: number): boolean {
  return [IPV6_EXT_HOP_BY_HOP, IPV6_EXT_ROUTING, IPV6_EXT_FRAGMENT, IPV6_EXT_AUTH, IPV6_EXT_DEST_OPTS].includes(n);
}

function fromUdp(family: 'ipv4' | 'ipv6', srcIp: string, dstIp: string, u: Bytes): FrameResult {
  if (u.length < UDP_HEADER_BYTES) return skip('UDP header cut short');
  const udpLength = be16(u, 4);
  if (udpLength < UDP_HEADER_BYTES) return skip('malformed UDP header');
  const size = udpLength - UDP_HEADER_BYTES;
  const payload = u.slice(UDP_HEADER_BYTES, Math.min(u.length, udpLength));
  return {
    ok: true,
    value: { src: { family, ip: srcIp, port: be16(u, 0) }, dst: { family, ip: dstIp, port: be16(u, 2) }, payload, size },
  };
}

/**
 * A capture timestamp as ISO 8601 UTC with `digits` fraction digits (6 for µs, 9 for ns), or
 * as decimal seconds when the date is outside what ISO years 0..9999 can show.
 */
export function formatCaptureTime(timeNs: bigint, digits: number): string {
  const d = Math.max(0, Math.min(9, digits));
  let sec = timeNs / 1_000_000_000n;
  let frac = timeNs % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    sec -= 1n;
  }
  const fracText = d === 0 ? '' : `.${frac.toString().padStart(9, '0').slice(0, d)}`;
  // Year 0..9999 only: beyond that ISO needs an expanded year and Date may not represent it.
  if (sec < -62167219200n || sec > 253402300799n) return `${sec}${fracText}`;
  const iso = new Date(Number(sec) * 1000).toISOString();
  return `${iso.slice(0, 19)}${fracText}Z`;
}
