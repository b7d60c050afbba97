/**
 * SHARE_RELAYS, friend_connection payload 17 (docs/protocol.md §5.1): up to three TCP relays the
 * sender is connected to, so the friend can reach it through them. c-toxcore sends it on connect
 * and every 120 s when it has relays; it is safe to ignore.
 *
 * Serialized form (1 + 39/51 × n bytes, n ≤ 3):
 *
 * | offset | length  | field                                               |
 * |-------:|--------:|-----------------------------------------------------|
 * |      0 |       1 | 0x11                                                |
 * |      1 | 39 / 51 | packed node (ip_type 130/138 for TCP), repeated n× |
 *
 * Decoding mirrors c-toxcore `unpack_nodes(nodes, MAX_SHARED_RELAYS, NULL, …, tcp_enabled=true)`:
 * UDP and TCP ip_types are both accepted, a malformed or partial node rejects the packet, and
 * bytes after the third node are ignored. Zero relays (`[0x11]`) is valid.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { encodePackedNodes, readPackedNode, type PackedNode } from '../packed-node.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { MAX_SHARED_RELAYS } from './constants.js';

export interface ShareRelaysPacket {
  readonly kind: 'shareRelays';
  readonly relays: readonly PackedNode[];
}

/** Throws on more than 3 relays or a relay that is not TCP. */
export function encodeShareRelays(relays: readonly PackedNode[]): Bytes {
  if (relays.length > MAX_SHARED_RELAYS) throw new Error(`share relays: ${relays.length} relays, at most ${MAX_SHARED_RELAYS}`);
  for (const r of relays) if (r.transport !== 'tcp') throw new Error('share relays: only TCP relays are shared');
  const nodes = encodePackedNodes(relays);
  return new Writer(1 + nodes.length).u8(CRYPTO_PAYLOAD_ID.share_relays).bytes(nodes).finish();
}

export function decodeShareRelays(bytes: Bytes): Result<ShareRelaysPacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.share_relays) return err(`share relays: id is not ${CRYPTO_PAYLOAD_ID.share_relays}`);
  const r = new Reader(bytes.subarray(1));
  const relays: PackedNode[] = [];
  while (relays.length < MAX_SHARED_RELAYS && r.remaining > 0) {
    const n = readPackedNode(r, true);
    if (!n.ok) return err(`share relays: ${n.error}`);
    relays.push(n.value);
  }
  return ok({ kind: 'shareRelays', relays });
}
