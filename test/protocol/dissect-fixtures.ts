/**
 * Builders for capture-reader tests: IPv4/IPv6 + UDP packets, link-layer headers for every link
 * type protocol/pcap.ts reads, and whole classic pcap / pcapng files in either byte order. Written
 * from the file-format documents (pcap-savefile(5), the pcapng draft, tcpdump.org link types);
 * checksums are left zero (UDP "no checksum"), which the reader does not check.
 */
import type { Bytes } from '../../protocol/bytes.js';
import { concat } from '../../protocol/bytes.js';

export function ipv4Udp(src: string, dst: string, sport: number, dport: number, payload: Bytes, opts: { proto?: number; flagsFrag?: number } = {}): Bytes {
  const out = new Uint8Array(28 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x45);
  v.setUint16(2, out.length);
  v.setUint16(6, opts.flagsFrag ?? 0x4000);
  v.setUint8(8, 64);
  v.setUint8(9, opts.proto ?? 17);
  out.set(src.split('.').map(Number), 12);
  out.set(dst.split('.').map(Number), 16);
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  v.setUint16(24, 8 + payload.length);
  out.set(payload, 28);
  return out;
}

/** 16 address bytes from a full (uncompressed) IPv6 text like 0:0:0:0:0:0:0:1. */
function v6(addr: string): Bytes {
  const out = new Uint8Array(16);
  addr.split(':').forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

/** IPv6 + UDP; `ext` inserts one hop-by-hop options header (8 bytes) before UDP. */
export function ipv6Udp(src: string, dst: string, sport: number, dport: number, payload: Bytes, opts: { ext?: boolean; next?: number; fragment?: boolean } = {}): Bytes {
  const extLen = opts.ext || opts.fragment ? 8 : 0;
  const out = new Uint8Array(40 + extLen + 8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x60);
  v.setUint16(4, extLen + 8 + payload.length);
  v.setUint8(6, opts.fragment ? 44 : opts.ext ? 0 : (opts.next ?? 17));
  v.setUint8(7, 64);
  out.set(v6(src), 8);
  out.set(v6(dst), 24);
  let o = 40;
  if (extLen) {
    out[o] = opts.next ?? 17; // next header
    out[o + 1] = 0; // length in 8-byte units beyond the first 8
    if (opts.fragment) v.setUint16(o + 2, (1 << 3) | 1); // offset 1, more fragments
    o += 8;
  }
  v.setUint16(o, sport);
  v.setUint16(o + 2, dport);
  v.setUint16(o + 4, 8 + payload.length);
  out.set(payload, o + 8);
  return out;
}

export function ethernet(ip: Bytes, ethertype: number, vlan = false): Bytes {
  const head = new Uint8Array(vlan ? 18 : 14);
  const v = new DataView(head.buffer);
  head.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2], 0);
  if (vlan) {
    v.setUint16(12, 0x8100);
    v.setUint16(14, 42);
    v.setUint16(16, ethertype);
  } else v.setUint16(12, ethertype);
  // Ethernet pads short frames to 60 bytes; the reader must bound by the IP length.
  const frame = concat(head, ip);
  return frame.length < 60 ? concat(frame, new Uint8Array(60 - frame.length)) : frame;
}

export function sll(ip: Bytes, protocol: number): Bytes {
  const head = new Uint8Array(16);
  const v = new DataView(head.buffer);
  v.setUint16(0, 0); // to us
  v.setUint16(2, 772); // ARPHRD_LOOPBACK
  v.setUint16(4, 6);
  v.setUint16(14, protocol);
  return concat(head, ip);
}

export function sll2(ip: Bytes, protocol: number): Bytes {
  const head = new Uint8Array(20);
  const v = new DataView(head.buffer);
  v.setUint16(0, protocol);
  v.setUint32(4, 1);
  v.setUint16(8, 772);
  head[11] = 6;
  return concat(head, ip);
}

/** BSD loopback header: the address family as a u32 in `little` or big-endian order. */
export function nullHeader(ip: Bytes, family: number, little: boolean): Bytes {
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, family, little);
  return concat(head, ip);
}

export interface FrameSpec {
  readonly data: Bytes;
  readonly sec?: number;
  /** µs or ns depending on the file. */
  readonly frac?: number;
  /** orig_len when the capture cut the frame. */
  readonly origLen?: number;
}

export function classicPcap(linktype: number, frames: readonly FrameSpec[], opts: { little?: boolean; nanos?: boolean } = {}): Bytes {
  const little = opts.little ?? true;
  const head = new Uint8Array(24);
  const v = new DataView(head.buffer);
  v.setUint32(0, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, little);
  v.setUint16(4, 2, little);
  v.setUint16(6, 4, little);
  v.setUint32(16, 65535, little);
  v.setUint32(20, linktype, little);
  const parts: Bytes[] = [head];
  for (const f of frames) {
    const rh = new Uint8Array(16);
    const rv = new DataView(rh.buffer);
    rv.setUint32(0, f.sec ?? 1_700_000_000, little);
    rv.setUint32(4, f.frac ?? 0, little);
    rv.setUint32(8, f.data.length, little);
    rv.setUint32(12, f.origLen ?? f.data.length, little);
    parts.push(rh, f.data);
  }
  return concat(...parts);
}

function pad4(b: Bytes): Bytes {
  return b.length % 4 === 0 ? b : concat(b, new Uint8Array(4 - (b.length % 4)));
}

function block(type: number, body: Bytes, little: boolean): Bytes {
  const b = pad4(body);
  const out = new Uint8Array(12 + b.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, little);
  v.setUint32(4, out.length, little);
  out.set(b, 8);
  v.setUint32(out.length - 4, out.length, little);
  return out;
}

export interface PcapngInterfaceSpec {
  readonly linktype: number;
  /** if_tsresol byte (9 = ns, 6 = µs default). */
  readonly tsresol?: number;
  /** if_tsoffset, seconds. */
  readonly tsoffset?: bigint;
}

export type PcapngBlockSpec =
  | { readonly kind: 'epb'; readonly iface: number; readonly ticks: bigint; readonly data: Bytes; readonly origLen?: number }
  | { readonly kind: 'spb'; readonly data: Bytes }
  | { readonly kind: 'pb'; readonly iface: number; readonly ticks: bigint; readonly data: Bytes }
  | { readonly kind: 'other'; readonly type: number; readonly body: Bytes };

export function pcapng(interfaces: readonly PcapngInterfaceSpec[], blocks: readonly PcapngBlockSpec[], opts: { little?: boolean } = {}): Bytes {
  const little = opts.little ?? true;
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, little);
  sv.setUint16(4, 1, little);
  sv.setUint16(6, 0, little);
  sv.setBigInt64(8, -1n, little);
  const parts: Bytes[] = [block(0x0a0d0d0a, shb, little)];
  for (const i of interfaces) {
    const opt: Bytes[] = [];
    const option = (code: number, value: Bytes): void => {
      const h = new Uint8Array(4);
      const hv = new DataView(h.buffer);
      hv.setUint16(0, code, little);
      hv.setUint16(2, value.length, little);
      opt.push(h, pad4(value));
    };
    if (i.tsresol !== undefined) option(9, Uint8Array.of(i.tsresol));
    if (i.tsoffset !== undefined) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, i.tsoffset, little);
      option(14, b);
    }
    if (opt.length > 0) option(0, new Uint8Array(0));
    const head = new Uint8Array(8);
    const hv = new DataView(head.buffer);
    hv.setUint16(0, i.linktype, little);
    hv.setUint32(4, 262144, little);
    parts.push(block(1, concat(head, ...opt), little));
  }
  for (const b of blocks) {
    if (b.kind === 'other') {
      parts.push(block(b.type, b.body, little));
      continue;
    }
    if (b.kind === 'spb') {
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, b.data.length, little);
      parts.push(block(3, concat(head, b.data), little));
      continue;
    }
    const head = new Uint8Array(20);
    const hv = new DataView(head.buffer);
    if (b.kind === 'epb') hv.setUint32(0, b.iface, little);
    else hv.setUint16(0, b.iface, little);
    hv.setUint32(4, Number(b.ticks >> 32n), little);
    hv.setUint32(8, Number(b.ticks & 0xffffffffn), little);
    hv.setUint32(12, b.data.length, little);
    hv.setUint32(16, b.kind === 'epb' ? (b.origLen ?? b.data.length) : b.data.length, little);
    parts.push(block(b.kind === 'epb' ? 6 : 2, concat(head, b.data), little));
  }
  return concat(...parts);
}
