/**
 * Onion announce response 0x84 (docs/protocol.md §3.4; c-toxcore
 * `toxcore/onion_announce.c` `handle_announce_request_common`,
 * `toxcore/onion_client.c` `handle_announce_response`). D's answer to a 0x83,
 * carried back as R of the onion responses. The sendback comes first in the
 * clear because the client needs it to find which key opens the box.
 *
 * Serialized form (82 + N bytes, N = 0..4 UDP packed nodes, so ≤ 286):
 *
 * | offset | length | field                                                                  |
 * |-------:|-------:|------------------------------------------------------------------------|
 * |      0 |      1 | 0x84                                                                   |
 * |      1 |      8 | sendback (echoed from the request)                                     |
 * |      9 |     24 | nonce                                                                  |
 * |     33 | 49+N   | box(shared(D DHT sk, request sender pk), nonce){is_stored 1 ‖ ping_id or data pk 32 ‖ nodes N} |
 *
 * is_stored: 0 = not stored (field is a ping_id), 1 = the searched key is
 * announced here (field is its data pk), 2 = stored (field is a ping_id). It
 * is kept as the raw byte; what a value means is the client's business.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { decodePackedNodes, encodePackedNodes, MAX_SENT_NODES, PACKED_NODE_IPV6_SIZE_BYTES, type PackedNode } from '../packed-node.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { ONION_ANNOUNCE_SENDBACK_SIZE_BYTES, ONION_PING_ID_SIZE_BYTES } from './constants.js';

/** 82 bytes (c-toxcore `ONION_ANNOUNCE_RESPONSE_MIN_SIZE`). */
export const ANNOUNCE_RESPONSE_MIN_SIZE_BYTES = 1 + ONION_ANNOUNCE_SENDBACK_SIZE_BYTES + NONCE_SIZE_BYTES + 1 + ONION_PING_ID_SIZE_BYTES + MAC_SIZE_BYTES;
/** 286 bytes: four IPv6 nodes. */
export const ANNOUNCE_RESPONSE_MAX_SIZE_BYTES = ANNOUNCE_RESPONSE_MIN_SIZE_BYTES + MAX_SENT_NODES * PACKED_NODE_IPV6_SIZE_BYTES;

export interface AnnounceResponse {
  /** Raw is_stored byte (0, 1 or 2 from c-toxcore). */
  readonly isStored: number;
  /** A ping_id (is_stored 0 or 2) or the announced peer's data pk (is_stored 1). */
  readonly pingIdOrDataPk: Bytes;
  /** 0..4 UDP nodes close to the searched key. */
  readonly nodes: readonly PackedNode[];
}

export interface AnnounceResponseHeader {
  readonly sendback: Bytes;
  readonly nonce: Bytes;
  readonly box: Bytes;
}

export function sealAnnounceResponse(
  crypto: Crypto,
  sharedKey: Bytes,
  sendback: Bytes,
  nonce: Bytes,
  fields: AnnounceResponse,
): Bytes {
  requireLength('announce response sendback', sendback, ONION_ANNOUNCE_SENDBACK_SIZE_BYTES);
  requireLength('announce response nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('announce response ping id / data pk', fields.pingIdOrDataPk, ONION_PING_ID_SIZE_BYTES);
  if (!Number.isInteger(fields.isStored) || fields.isStored < 0 || fields.isStored > 255) {
    throw new Error(`announce response: is_stored ${fields.isStored} is not a byte`);
  }
  if (fields.nodes.length > MAX_SENT_NODES) throw new Error(`announce response: ${fields.nodes.length} nodes`);
  if (fields.nodes.some((n) => n.transport !== 'udp')) throw new Error('announce response: only UDP nodes may be sent');
  const nodes = encodePackedNodes(fields.nodes);
  const plain = new Writer(1 + ONION_PING_ID_SIZE_BYTES + nodes.length).u8(fields.isStored).bytes(fields.pingIdOrDataPk).bytes(nodes).finish();
  const box = crypto.seal(sharedKey, nonce, plain);
  return new Writer(1 + ONION_ANNOUNCE_SENDBACK_SIZE_BYTES + NONCE_SIZE_BYTES + box.length)
    .u8(PACKET_ID.announce_response)
    .bytes(sendback)
    .bytes(nonce)
    .bytes(box)
    .finish();
}

/** Splits a 0x84 (82..286 bytes) so the client can look up the key by sendback. */
export function decodeAnnounceResponseHeader(bytes: Bytes): Result<AnnounceResponseHeader> {
  if (bytes.length < ANNOUNCE_RESPONSE_MIN_SIZE_BYTES || bytes.length > ANNOUNCE_RESPONSE_MAX_SIZE_BYTES) {
    return err(`announce response: ${bytes.length} bytes, expected ${ANNOUNCE_RESPONSE_MIN_SIZE_BYTES}..${ANNOUNCE_RESPONSE_MAX_SIZE_BYTES}`);
  }
  if (bytes[0] !== PACKET_ID.announce_response) return err(`announce response: packet id 0x${bytes[0]!.toString(16)} is not 0x84`);
  const r = new Reader(bytes);
  r.u8();
  const sendback = r.bytes(ONION_ANNOUNCE_SENDBACK_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  return ok({ sendback, nonce, box: r.rest() });
}

/**
 * Opens with shared(request sender sk, D's DHT pk) — the same key the request
 * was sealed with. Nodes must be UDP and fill the rest exactly.
 */
export function openAnnounceResponse(crypto: Crypto, sharedKey: Bytes, header: AnnounceResponseHeader): Result<AnnounceResponse> {
  if (sharedKey.length !== SHARED_KEY_SIZE_BYTES || header.nonce.length !== NONCE_SIZE_BYTES) return err('announce response: bad key or nonce length');
  const p = crypto.open(sharedKey, header.nonce, header.box);
  if (!p) return err('announce response: box does not authenticate');
  if (p.length < 1 + ONION_PING_ID_SIZE_BYTES) return err(`announce response: plaintext is ${p.length} bytes`);
  const nodes = decodePackedNodes(p.subarray(1 + ONION_PING_ID_SIZE_BYTES), {
    allowTcp: false,
    maxCount: MAX_SENT_NODES,
    exact: true,
  });
  if (!nodes.ok) return err(`announce response: ${nodes.error}`);
  return ok({ isStored: p[0]!, pingIdOrDataPk: p.slice(1, 1 + ONION_PING_ID_SIZE_BYTES), nodes: nodes.value });
}
