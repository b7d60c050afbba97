/**
 * A small classic-pcap writer (and the matching reader, for tests and dissector fixtures) for UDP
 * datagrams captured by the loopback shim. Each datagram becomes an IPv4 + UDP packet whose headers
 * we build ourselves (valid IP header checksum and UDP checksum), stored with
 * LINKTYPE_IPV4 (228): the packet data starts at the IPv4 header, no link layer.
 *
 * Serialized form (all pcap header fields little-endian, magic a1b2c3d4 = microsecond stamps):
 *
 * | offset | length | field |
 * |---|---|---|
 * | 0 | 4 | magic 0xa1b2c3d4 |
 * | 4 | 2 | version major 2 |
 * | 6 | 2 | version minor 4 |
 * | 8 | 4 | thiszone 0 |
 * | 12 | 4 | sigfigs 0 |
 * | 16 | 4 | snaplen 65535 |
 * | 20 | 4 | linktype 228 (IPv4) |
 * | 24 | 16 | record header: ts_sec, ts_usec, incl_len, orig_len (u32 LE each) |
 * | 40 | incl_len | IPv4 header (20, big-endian) ‖ UDP header (8) ‖ payload |
 *
 * Only IPv4 endpoints are written (c-toxcore runs IPv4-only here); an IPv6 datagram is an error.
 */
import { err, ok, type Result } from '../../protocol/result.js';
import type { Bytes } from '../../protocol/bytes.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
/** LINKTYPE_IPV4 from tcpdump.org/linktypes.html: raw IPv4, no link header. */
export const LINKTYPE_IPV4 = 228;
/** LINKTYPE_RAW: raw IPv4 or IPv6, version from the first nibble. */
export const LINKTYPE_RAW = 101;
export const PCAP_SNAPLEN_BYTES = 65535;
const IPV4_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;
const IP_PROTO_UDP = 17;
const IPV4_DEFAULT_TTL = 64;
/** Largest UDP payload that fits one IPv4 packet: 65535 − 20 − 8. */
export const MAX_UDP_PAYLOAD_BYTES = 65507;

export interface Ipv4Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface PcapDatagram {
  /** Capture time, Unix microseconds. */
  readonly timeUs: bigint;
  readonly src: Ipv4Endpoint;
  readonly dst: Ipv4Endpoint;
  readonly payload: Bytes;
}

function ipv4Bytes(ip: string): Bytes {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return Uint8Array.from(parts.map(Number));
}

/** RFC 1071 one's-complement sum of 16-bit big-endian words, folded; returns the complement. */
export function internetChecksum(...chunks: readonly Bytes[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++) {
      if (odd === undefined) odd = c[i]!;
      else {
        sum += (odd << 8) | c[i]!;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Builds IPv4 header ‖ UDP header ‖ payload for one datagram. `ipId` fills the IP identification field. */
export function buildIpv4Udp(d: PcapDatagram, ipId: number): Bytes {
  if (d.payload.length > MAX_UDP_PAYLOAD_BYTES) throw new Error(`UDP payload too large: ${d.payload.length}`);
  const src = ipv4Bytes(d.src.ip);
  const dst = ipv4Bytes(d.dst.ip);
  const udpLen = UDP_HEADER_BYTES + d.payload.length;
  const total = IPV4_HEADER_BYTES + udpLen;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x45); // version 4, IHL 5 words
  v.setUint8(1, 0); // DSCP/ECN
  v.setUint16(2, total);
  v.setUint16(4, ipId & 0xffff);
  v.setUint16(6, 0x4000); // don't fragment
  v.setUint8(8, IPV4_DEFAULT_TTL);
  v.setUint8(9, IP_PROTO_UDP);
  out.set(src, 12);
  out.set(dst, 16);
  v.setUint16(10, internetChecksum(out.subarray(0, IPV4_HEADER_BYTES)));

  v.setUint16(20, d.src.port);
  v.setUint16(22, d.dst.port);
  v.setUint16(24, udpLen);
  out.set(d.payload, IPV4_HEADER_BYTES + UDP_HEADER_BYTES);
  const pseudo = new Uint8Array(12);
  pseudo.set(src, 0);
  pseudo.set(dst, 4);
  pseudo[9] = IP_PROTO_UDP;
  pseudo[10] = udpLen >>> 8;
  pseudo[11] = udpLen & 0xff;
  const c = internetChecksum(pseudo, out.subarray(IPV4_HEADER_BYTES));
  v.setUint16(26, c === 0 ? 0xffff : c); // 0 means "no checksum" in UDP
  return out;
}

/** A whole classic pcap file (LINKTYPE_IPV4) holding the datagrams in the order given. */
export function writePcap(datagrams: readonly PcapDatagram[]): Bytes {
  const packets = datagrams.map((d, i) => buildIpv4Udp(d, i + 1));
  const size = 24 + packets.reduce((n, p) => n + 16 + p.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, PCAP_MAGIC_US, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, PCAP_SNAPLEN_BYTES, true);
  v.setUint32(20, LINKTYPE_IPV4, true);
  let o = 24;
  packets.forEach((p, i) => {
    const t = datagrams[i]!.timeUs;
    v.setUint32(o, Number(t / 1_000_000n), true);
    v.setUint32(o + 4, Number(t % 1_000_000n), true);
    v.setUint32(o + 8, p.length, true);
    v.setUint32(o + 12, p.length, true);
    out.set(p, o + 16);
    o += 16 + p.length;
  });
  return out;
}

export interface PcapRecord {
  readonly timeUs: bigint;
  readonly data: Bytes;
  readonly origLen: number;
}

/** Reads a classic little-endian microsecond pcap. Never throws. */
export function readPcap(file: Bytes): Result<{ linktype: number; records: PcapRecord[] }> {
  if (file.length < 24) return err('pcap: shorter than the global header');
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (v.getUint32(0, true) !== PCAP_MAGIC_US) return err('pcap: not a little-endian microsecond pcap');
  const linktype = v.getUint32(20, true);
  const records: PcapRecord[] = [];
  let o = 24;
  while (o < file.length) {
    if (o + 16 > file.length) return err(`pcap: truncated record header at ${o}`);
    const sec = v.getUint32(o, true);
    const usec = v.getUint32(o + 4, true);
    const incl = v.getUint32(o + 8, true);
    const orig = v.getUint32(o + 12, true);
    if (o + 16 + incl > file.length) return err(`pcap: truncated record at ${o}`);
    records.push({ timeUs: BigInt(sec) * 1_000_000n + BigInt(usec), data: file.slice(o + 16, o + 16 + incl), origLen: orig });
    o += 16 + incl;
  }
  return ok({ linktype, records });
}

/** Parses IPv4 ‖ UDP ‖ payload and checks both checksums. Never throws. */
export function parseIpv4Udp(packet: Bytes): Result<{ src: Ipv4Endpoint; dst: Ipv4Endpoint; payload: Bytes }> {
  if (packet.length < IPV4_HEADER_BYTES + UDP_HEADER_BYTES) return err('ipv4/udp: too short');
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  if (packet[0] !== 0x45) return err('ipv4: not version 4 with a 20-byte header');
  if (v.getUint16(2) !== packet.length) return err('ipv4: total length does not match');
  if (packet[9] !== IP_PROTO_UDP) return err('ipv4: not UDP');
  if (internetChecksum(packet.subarray(0, IPV4_HEADER_BYTES)) !== 0) return err('ipv4: bad header checksum');
  const udpLen = v.getUint16(24);
  if (udpLen !== packet.length - IPV4_HEADER_BYTES) return err('udp: length does not match');
  const pseudo = new Uint8Array(12);
  pseudo.set(packet.subarray(12, 20), 0);
  pseudo[9] = IP_PROTO_UDP;
  pseudo[10] = udpLen >>> 8;
  pseudo[11] = udpLen & 0xff;
  if (v.getUint16(26) !== 0 && internetChecksum(pseudo, packet.subarray(IPV4_HEADER_BYTES)) !== 0) return err('udp: bad checksum');
  const ip = (o: number): string => Array.from(packet.subarray(o, o + 4)).join('.');
  return ok({
    src: { ip: ip(12), port: v.getUint16(20) },
    dst: { ip: ip(16), port: v.getUint16(22) },
    payload: packet.slice(IPV4_HEADER_BYTES + UDP_HEADER_BYTES),
  });
}
