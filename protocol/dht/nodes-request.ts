/**
 * DHT nodes request, "get nodes" (0x02) (docs/protocol.md §2.2; c-toxcore
 * `toxcore/DHT.c` `dht_getnodes`, `handle_getnodes`). Exactly 113 bytes. It
 * asks the receiver for the nodes it knows closest to `searchedPk`; the
 * ping_id (sendback) is echoed in the nodes response.
 *
 * Serialized form:
 *
 * | offset | length | field                                                             |
 * |-------:|-------:|-------------------------------------------------------------------|
 * |      0 |      1 | 0x02                                                              |
 * |      1 |     32 | sender DHT public key                                             |
 * |     33 |     24 | nonce                                                             |
 * |     57 |     56 | box(shared(sender DHT sk, receiver DHT pk)){searched pk 32 ‖ ping_id 8} |
 */
import { Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { DHT_HEADER_SIZE_BYTES, openDhtPacket, sealDhtPacket, type DhtHeader } from './dht-header.js';
import { PING_ID_SIZE_BYTES } from './ping.js';

/** searched pk 32 + ping_id 8 (c-toxcore `CRYPTO_NODE_SIZE`, DHT.c). */
export const NODES_REQUEST_PLAIN_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES + PING_ID_SIZE_BYTES;
/** 113 bytes: c-toxcore `handle_getnodes` requires exactly this length. */
export const NODES_REQUEST_SIZE_BYTES = DHT_HEADER_SIZE_BYTES + NODES_REQUEST_PLAIN_SIZE_BYTES + MAC_SIZE_BYTES;

export interface NodesRequest {
  readonly searchedPk: Bytes;
  readonly pingId: Bytes;
}

export function sealNodesRequest(
  crypto: Crypto,
  sharedKey: Bytes,
  senderPk: Bytes,
  nonce: Bytes,
  fields: NodesRequest,
): Bytes {
  requireLength('nodes request searched pk', fields.searchedPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('nodes request ping id', fields.pingId, PING_ID_SIZE_BYTES);
  const plain = new Writer(NODES_REQUEST_PLAIN_SIZE_BYTES).bytes(fields.searchedPk).bytes(fields.pingId).finish();
  return sealDhtPacket(crypto, PACKET_ID.nodes_request, sharedKey, senderPk, nonce, plain);
}

export function openNodesRequest(crypto: Crypto, sharedKey: Bytes, header: DhtHeader): Result<NodesRequest> {
  const plain = openDhtPacket(crypto, sharedKey, header, 'nodes request', PACKET_ID.nodes_request, NODES_REQUEST_SIZE_BYTES);
  if (!plain.ok) return plain;
  const p = plain.value;
  if (p.length !== NODES_REQUEST_PLAIN_SIZE_BYTES) return err(`nodes request: plaintext is ${p.length} bytes`);
  return ok({ searchedPk: p.slice(0, PUBLIC_KEY_SIZE_BYTES), pingId: p.slice(PUBLIC_KEY_SIZE_BYTES) });
}
