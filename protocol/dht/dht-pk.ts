/**
 * DHT-PK: a peer announcing its current DHT key (and a few nodes near it) to a
 * friend (docs/protocol.md §3.7, §2.5; c-toxcore `toxcore/onion_client.c`
 * `send_dhtpk_announce`, `handle_dhtpk_announce`, `send_dht_dhtpk`,
 * `handle_dht_dhtpk`). It travels two ways:
 *   - as onion data (inner plaintext of 0x85/0x86), the payload `0x9c ‖ data`;
 *   - over the DHT, as the data of DHT request id 156, wrapped in a box under
 *     the long-term ("real") keys. The boxed plaintext is the same `0x9c ‖ data`
 *     payload; the receiver checks that the DHT key inside equals the 0x20's
 *     outer sender DHT key.
 *
 * DHT-PK data (33..237 bytes; the payload adds 1):
 *
 * | offset | length | field                                                  |
 * |-------:|-------:|--------------------------------------------------------|
 * |      0 |      8 | no_replay, u64 big-endian (c-toxcore: whole seconds, strictly increasing) |
 * |      8 |     32 | sender's DHT public key                                |
 * |     40 |  0..204| 0..4 packed nodes, UDP or TCP (packed-node.ts)         |
 *
 * DHT-routed wrapper (the `data` of a 0x20 with request id 156):
 *
 * | offset | length | field                                                             |
 * |-------:|-------:|-------------------------------------------------------------------|
 * |      0 |     32 | sender real public key                                            |
 * |     32 |     24 | nonce                                                             |
 * |     56 |  16+n  | box(shared(sender real sk, receiver real pk), nonce){0x9c ‖ DHT-PK data} |
 */
import { equalBytes, Reader, Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { decodePackedNodes, encodePackedNodes, MAX_SENT_NODES, PACKED_NODE_IPV6_SIZE_BYTES, type PackedNode } from '../packed-node.js';
import { ONION_DATA_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';

/** no_replay 8 + DHT pk 32. */
export const DHT_PK_DATA_MIN_SIZE_BYTES = 8 + PUBLIC_KEY_SIZE_BYTES;
/** 1 + 8 + 32 = 41 (c-toxcore `DHTPK_DATA_MIN_LENGTH`, onion_client.c). */
export const DHT_PK_PAYLOAD_MIN_SIZE_BYTES = 1 + DHT_PK_DATA_MIN_SIZE_BYTES;
/** 41 + 4 × 51 = 245. */
export const DHT_PK_PAYLOAD_MAX_SIZE_BYTES = DHT_PK_PAYLOAD_MIN_SIZE_BYTES + MAX_SENT_NODES * PACKED_NODE_IPV6_SIZE_BYTES;
/** Routed wrapper: sender real pk 32 + nonce 24 + MAC 16 + payload 41.. (c-toxcore `handle_dht_dhtpk` minimum 113). */
export const DHT_PK_ROUTED_MIN_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES + MAC_SIZE_BYTES + DHT_PK_PAYLOAD_MIN_SIZE_BYTES;
export const DHT_PK_ROUTED_MAX_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES + MAC_SIZE_BYTES + DHT_PK_PAYLOAD_MAX_SIZE_BYTES;

export interface DhtPk {
  /** c-toxcore uses its monotonic clock in whole seconds; receivers accept only increasing values. */
  readonly noReplay: bigint;
  readonly dhtPk: Bytes;
  /** 0..4 nodes, UDP (the receiver asks them for our DHT key) or TCP relays. */
  readonly nodes: readonly PackedNode[];
}

export function encodeDhtPkData(d: DhtPk): Bytes {
  requireLength('DHT-PK dht pk', d.dhtPk, PUBLIC_KEY_SIZE_BYTES);
  if (d.noReplay < 0n || d.noReplay > 0xffffffffffffffffn) throw new Error(`DHT-PK: no_replay ${d.noReplay} is not a u64`);
  if (d.nodes.length > MAX_SENT_NODES) throw new Error(`DHT-PK: ${d.nodes.length} nodes, at most ${MAX_SENT_NODES}`);
  const nodes = encodePackedNodes(d.nodes);
  return new Writer(DHT_PK_DATA_MIN_SIZE_BYTES + nodes.length).u64(d.noReplay).bytes(d.dhtPk).bytes(nodes).finish();
}

/** Decodes DHT-PK data (without the 0x9c byte); the nodes must fill the rest exactly. */
export function decodeDhtPkData(data: Bytes): Result<DhtPk> {
  if (data.length < DHT_PK_DATA_MIN_SIZE_BYTES) return err(`DHT-PK: ${data.length} bytes is too short`);
  if (data.length > DHT_PK_PAYLOAD_MAX_SIZE_BYTES - 1) return err(`DHT-PK: ${data.length} bytes is too long`);
  const r = new Reader(data);
  const noReplay = r.u64();
  const dhtPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const nodes = decodePackedNodes(r.rest(), { allowTcp: true, maxCount: MAX_SENT_NODES, exact: true });
  if (!nodes.ok) return err(`DHT-PK: ${nodes.error}`);
  return ok({ noReplay, dhtPk, nodes: nodes.value });
}

/** `0x9c ‖ DHT-PK data`: what is boxed, both as onion data and inside the DHT route. */
export function encodeDhtPkPayload(d: DhtPk): Bytes {
  const data = encodeDhtPkData(d);
  return new Writer(1 + data.length).u8(ONION_DATA_ID.dht_pk).bytes(data).finish();
}

export function decodeDhtPkPayload(payload: Bytes): Result<DhtPk> {
  if (payload.length === 0) return err('DHT-PK payload: empty');
  if (payload[0] !== ONION_DATA_ID.dht_pk) return err(`DHT-PK payload: type ${payload[0]} is not ${ONION_DATA_ID.dht_pk}`);
  return decodeDhtPkData(payload.subarray(1));
}

// ---------------------------------------------------------------------------
// DHT-routed wrapper (request id 156)

export interface DhtPkRoutedHeader {
  readonly senderRealPk: Bytes;
  readonly nonce: Bytes;
  readonly box: Bytes;
}

/**
 * The `data` of a DHT request with id 156. `realSharedKey` is
 * shared(sender real sk, receiver real pk). Wrap the result with
 * `sealDhtRequest(…, { requestId: DHT_REQUEST_ID.dht_pk, data })` under the DHT keys.
 */
export function sealDhtPkRouted(crypto: Crypto, realSharedKey: Bytes, senderRealPk: Bytes, nonce: Bytes, d: DhtPk): Bytes {
  requireLength('DHT-PK routed sender real pk', senderRealPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('DHT-PK routed nonce', nonce, NONCE_SIZE_BYTES);
  const box = crypto.seal(realSharedKey, nonce, encodeDhtPkPayload(d));
  return new Writer(PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES + box.length).bytes(senderRealPk).bytes(nonce).bytes(box).finish();
}

/** Splits the request-156 data; the caller looks up the real shared key by `senderRealPk`. */
export function decodeDhtPkRoutedHeader(data: Bytes): Result<DhtPkRoutedHeader> {
  if (data.length < DHT_PK_ROUTED_MIN_SIZE_BYTES) return err(`DHT-PK routed: ${data.length} bytes is too short`);
  if (data.length > DHT_PK_ROUTED_MAX_SIZE_BYTES) return err(`DHT-PK routed: ${data.length} bytes is too long`);
  const r = new Reader(data);
  const senderRealPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  return ok({ senderRealPk, nonce, box: r.rest() });
}

/**
 * Opens the routed DHT-PK and checks, as c-toxcore `handle_dht_dhtpk` does,
 * that the DHT key inside equals `outerSenderDhtPk` (the 0x20's sender).
 */
export function openDhtPkRouted(
  crypto: Crypto,
  realSharedKey: Bytes,
  header: DhtPkRoutedHeader,
  outerSenderDhtPk: Bytes,
): Result<DhtPk> {
  if (realSharedKey.length !== SHARED_KEY_SIZE_BYTES || header.nonce.length !== NONCE_SIZE_BYTES) return err('DHT-PK routed: bad key or nonce length');
  const plain = crypto.open(realSharedKey, header.nonce, header.box);
  if (!plain) return err('DHT-PK routed: box does not authenticate');
  const d = decodeDhtPkPayload(plain);
  if (!d.ok) return d;
  if (!equalBytes(d.value.dhtPk, outerSenderDhtPk)) return err('DHT-PK routed: inner DHT key differs from the DHT request sender');
  return d;
}
