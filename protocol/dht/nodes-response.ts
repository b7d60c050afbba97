/**
 * DHT nodes response, "send nodes" (0x04) (docs/protocol.md §2.2; c-toxcore
 * `toxcore/DHT.c` `sendnodes_ipv6`, `handle_sendnodes_core`). 82 bytes plus
 * the packed nodes, at most 4 nodes (≤ 286 bytes). The count must be ≤ 4 and
 * the nodes (UDP only) must fill the nodes area exactly. A response with 0
 * nodes decodes fine here, although c-toxcore 0.2.18 ignores such responses
 * (it does send them itself when it knows nobody).
 *
 * Serialized form:
 *
 * | offset | length | field                                                  |
 * |-------:|-------:|--------------------------------------------------------|
 * |      0 |      1 | 0x04                                                   |
 * |      1 |     32 | sender DHT public key                                  |
 * |     33 |     24 | nonce                                                  |
 * |     57 | 25+N   | box(shared(sender DHT sk, receiver DHT pk)){…} below   |
 *
 * Plaintext: `[count 1][count packed nodes, N bytes][ping_id 8, echoed]`.
 */
import { Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { decodePackedNodes, encodePackedNodes, MAX_SENT_NODES, PACKED_NODE_IPV6_SIZE_BYTES, type PackedNode } from '../packed-node.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { DHT_HEADER_SIZE_BYTES, openDhtPacket, sealDhtPacket, type DhtHeader } from './dht-header.js';
import { PING_ID_SIZE_BYTES } from './ping.js';

/** c-toxcore `MAX_SENT_NODES` (DHT.h), defined in packed-node.ts. */
export { MAX_SENT_NODES };
/** 82 bytes: a response with no nodes (header + count + ping_id + MAC). */
export const NODES_RESPONSE_MIN_SIZE_BYTES = DHT_HEADER_SIZE_BYTES + 1 + PING_ID_SIZE_BYTES + MAC_SIZE_BYTES;
/** 286 bytes: 4 IPv6 nodes. */
export const NODES_RESPONSE_MAX_SIZE_BYTES = NODES_RESPONSE_MIN_SIZE_BYTES + MAX_SENT_NODES * PACKED_NODE_IPV6_SIZE_BYTES;

export interface NodesResponse {
  /** UDP nodes only, at most 4. */
  readonly nodes: readonly PackedNode[];
  readonly pingId: Bytes;
}

export function sealNodesResponse(
  crypto: Crypto,
  sharedKey: Bytes,
  senderPk: Bytes,
  nonce: Bytes,
  fields: NodesResponse,
): Bytes {
  requireLength('nodes response ping id', fields.pingId, PING_ID_SIZE_BYTES);
  if (fields.nodes.length > MAX_SENT_NODES) throw new Error(`nodes response: ${fields.nodes.length} nodes, at most ${MAX_SENT_NODES}`);
  if (fields.nodes.some((n) => n.transport !== 'udp')) throw new Error('nodes response: only UDP nodes may be sent');
  const packed = encodePackedNodes(fields.nodes);
  const plain = new Writer(1 + packed.length + PING_ID_SIZE_BYTES).u8(fields.nodes.length).bytes(packed).bytes(fields.pingId).finish();
  return sealDhtPacket(crypto, PACKET_ID.nodes_response, sharedKey, senderPk, nonce, plain);
}

export function openNodesResponse(crypto: Crypto, sharedKey: Bytes, header: DhtHeader): Result<NodesResponse> {
  const plain = openDhtPacket(crypto, sharedKey, header, 'nodes response', PACKET_ID.nodes_response, [
    NODES_RESPONSE_MIN_SIZE_BYTES,
    NODES_RESPONSE_MAX_SIZE_BYTES,
  ]);
  if (!plain.ok) return plain;
  const p = plain.value;
  if (p.length < 1 + PING_ID_SIZE_BYTES) return err(`nodes response: plaintext is ${p.length} bytes`);
  const count = p[0]!;
  if (count > MAX_SENT_NODES) return err(`nodes response: count ${count} is more than ${MAX_SENT_NODES}`);
  const area = p.subarray(1, p.length - PING_ID_SIZE_BYTES);
  const nodes = decodePackedNodes(area, { allowTcp: false, expectedCount: count, exact: true });
  if (!nodes.ok) return err(`nodes response: ${nodes.error}`);
  return ok({ nodes: nodes.value, pingId: p.slice(p.length - PING_ID_SIZE_BYTES) });
}
