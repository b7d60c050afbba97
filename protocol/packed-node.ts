/**
 * Packed node: a node's transport, address and public key, as carried by DHT
 * nodes responses, onion announce responses and DHT-PK packets
 * (docs/protocol.md §2.1; c-toxcore `toxcore/DHT.c` `pack_ip_port`,
 * `unpack_ip_port`, `pack_nodes`, `unpack_nodes`).
 *
 * Serialized form (39 bytes for IPv4, 51 for IPv6):
 *
 * | offset | length  | field                                                  |
 * |-------:|--------:|--------------------------------------------------------|
 * |      0 |       1 | ip_type: 2 UDP/IPv4, 10 UDP/IPv6, 130 TCP/IPv4, 138 TCP/IPv6 |
 * |      1 | 4 or 16 | IP address, network order                              |
 * |  5/17  |       2 | port, big-endian                                       |
 * |  7/19  |      32 | public key                                             |
 *
 * Every other ip_type byte (0x00, 0x01, 0x20, 0xa0, …) is rejected, as are the
 * TCP types where the caller does not allow them.
 */
import { concat, Reader, Writer, type Bytes } from './bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from './crypto.js';
import {
  IP_TYPE_TCP_IPV4,
  IP_TYPE_TCP_IPV6,
  IP_TYPE_UDP_IPV4,
  IP_TYPE_UDP_IPV6,
  IPV4_SIZE_BYTES,
  IPV6_SIZE_BYTES,
  ipFromBytes,
  ipToBytes,
  PORT_SIZE_BYTES,
  type IpFamily,
  type IpPort,
} from './ip-port.js';
import { requireLength } from './keys.js';
import { err, ok, type Result } from './result.js';

export interface PackedNode {
  readonly transport: 'udp' | 'tcp';
  readonly ipPort: IpPort;
  readonly publicKey: Bytes;
}

/** The ip_type bytes, defined with the address forms in ip-port.ts. */
export { IP_TYPE_TCP_IPV4, IP_TYPE_TCP_IPV6, IP_TYPE_UDP_IPV4, IP_TYPE_UDP_IPV6 };
/** c-toxcore `PACKED_NODE_SIZE_IP4` (DHT.h): 1 + 4 + 2 + 32 = 39. */
export const PACKED_NODE_IPV4_SIZE_BYTES = 1 + IPV4_SIZE_BYTES + PORT_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES;
/** c-toxcore `PACKED_NODE_SIZE_IP6` (DHT.h): 1 + 16 + 2 + 32 = 51. */
export const PACKED_NODE_IPV6_SIZE_BYTES = 1 + IPV6_SIZE_BYTES + PORT_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES;
/**
 * At most this many nodes in a nodes response, an announce response or a DHT-PK packet
 * (c-toxcore DHT.h `MAX_SENT_NODES`).
 */
export const MAX_SENT_NODES = 4;

export function packedNodeSize(node: Pick<PackedNode, 'ipPort'>): number {
  return node.ipPort.family === 'ipv4' ? PACKED_NODE_IPV4_SIZE_BYTES : PACKED_NODE_IPV6_SIZE_BYTES;
}

function ipTypeOf(node: PackedNode): number {
  const v4 = node.ipPort.family === 'ipv4';
  if (node.transport === 'udp') return v4 ? IP_TYPE_UDP_IPV4 : IP_TYPE_UDP_IPV6;
  return v4 ? IP_TYPE_TCP_IPV4 : IP_TYPE_TCP_IPV6;
}

/** One packed node. Throws on a malformed node (bad key length, address or port). */
export function encodePackedNode(node: PackedNode): Bytes {
  requireLength('packed node public key', node.publicKey, PUBLIC_KEY_SIZE_BYTES);
  const { port } = node.ipPort;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new Error(`encodePackedNode: bad port ${port}`);
  return new Writer(packedNodeSize(node)).u8(ipTypeOf(node)).bytes(ipToBytes(node.ipPort)).u16(port).bytes(node.publicKey).finish();
}

/** Several packed nodes back to back (c-toxcore `pack_nodes`). */
export function encodePackedNodes(nodes: readonly PackedNode[]): Bytes {
  return concat(...nodes.map(encodePackedNode));
}

export interface DecodePackedNodesOptions {
  /** Accept ip_type 130/138 (DHT-PK, share-relays). DHT and announce responses pass false. */
  readonly allowTcp: boolean;
  /** Decode exactly this many nodes; without it, decode until the bytes run out. */
  readonly expectedCount?: number;
  /** Refuse more than this many nodes (only meaningful without `expectedCount`). */
  readonly maxCount?: number;
  /** Require the nodes to fill `bytes` exactly (default true). */
  readonly exact?: boolean;
}

/**
 * Reads one packed node from `r`. Returns an error (never throws) for an
 * unknown or disallowed ip_type or a truncated node.
 */
export function readPackedNode(r: Reader, allowTcp: boolean): Result<PackedNode> {
  const at = r.pos;
  if (!r.has(1)) return err(`packed node at offset ${at}: no bytes left`);
  const ipType = r.u8();
  let family: IpFamily;
  let transport: 'udp' | 'tcp';
  switch (ipType) {
    case IP_TYPE_UDP_IPV4:
      [family, transport] = ['ipv4', 'udp'];
      break;
    case IP_TYPE_UDP_IPV6:
      [family, transport] = ['ipv6', 'udp'];
      break;
    case IP_TYPE_TCP_IPV4:
      [family, transport] = ['ipv4', 'tcp'];
      break;
    case IP_TYPE_TCP_IPV6:
      [family, transport] = ['ipv6', 'tcp'];
      break;
    default:
      return err(`packed node at offset ${at}: ip_type ${ipType} is not 2, 10, 130 or 138`);
  }
  if (transport === 'tcp' && !allowTcp) return err(`packed node at offset ${at}: TCP ip_type ${ipType} not allowed here`);
  const ipLen = family === 'ipv4' ? IPV4_SIZE_BYTES : IPV6_SIZE_BYTES;
  if (!r.has(ipLen + PORT_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES)) return err(`packed node at offset ${at}: truncated (${r.remaining + 1} bytes left)`);
  const ip = ipFromBytes(family, r.bytes(ipLen));
  const port = r.u16();
  const publicKey = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  return ok({ transport, ipPort: { family, ip, port }, publicKey });
}

/**
 * Decodes a run of packed nodes. With `expectedCount`, exactly that many are
 * read; otherwise nodes are read until the bytes run out (a partial node is an
 * error). With `exact` (the default), leftover bytes are an error.
 */
export function decodePackedNodes(bytes: Bytes, opts: DecodePackedNodesOptions): Result<PackedNode[]> {
  const r = new Reader(bytes);
  const nodes: PackedNode[] = [];
  const exact = opts.exact ?? true;
  const want = opts.expectedCount;
  if (want !== undefined && (!Number.isInteger(want) || want < 0)) return err(`packed nodes: bad expected count ${want}`);
  while (want !== undefined ? nodes.length < want : r.remaining > 0) {
    if (opts.maxCount !== undefined && nodes.length >= opts.maxCount) {
      return err(`packed nodes: more than ${opts.maxCount} nodes`);
    }
    const n = readPackedNode(r, opts.allowTcp);
    if (!n.ok) return n;
    nodes.push(n.value);
  }
  if (exact && r.remaining !== 0) return err(`packed nodes: ${r.remaining} bytes left over after ${nodes.length} nodes`);
  return ok(nodes);
}
