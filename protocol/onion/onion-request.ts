/**
 * Onion requests 0x80 / 0x81 / 0x82 (docs/protocol.md §3.3; c-toxcore
 * `toxcore/onion.c` `create_onion_packet`, `handle_send_initial`,
 * `onion_send_1`, `handle_send_1`, `handle_send_2`). The client wraps a payload
 * for destination D in three layers for relays A → B → C, with ONE random
 * nonce reused at every layer; layer 1 is under the client's DHT key, layers 2
 * and 3 under random per-path key pairs. Each relay peels one layer and
 * appends a return-path blob (return-path.ts).
 *
 * 0x80, client → A (226 + L bytes):
 *
 * | offset | length | field                                                            |
 * |-------:|-------:|------------------------------------------------------------------|
 * |      0 |      1 | 0x80                                                             |
 * |      1 |     24 | nonce n                                                          |
 * |     25 |     32 | client DHT public key                                            |
 * |     57 | 169+L  | box(shared(client DHT sk, A pk), n){IP_Port B 19 ‖ PK2 32 ‖ layer 2 (102+L)} |
 *
 * 0x81, A → B (218 + L): `[0x81][n 24][PK2 32][layer 2: box(shared(SK2, B pk), n){IP_Port C ‖ PK3 ‖ layer 3 (35+L)}][RETURN_1 59]`
 *
 * 0x82, B → C (210 + L): `[0x82][n 24][PK3 32][layer 3: box(shared(SK3, C pk), n){IP_Port D ‖ payload L}][RETURN_2 118]`
 *
 * C → D: `[payload L][RETURN_3 177]`; C forwards only payloads starting 0x83 or 0x85.
 * Every hop drops packets over 1400 bytes; the minimums are strict (> 226 / 218 / 210).
 */
import { concat, Reader, Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { decodeOnionIpPort, encodeOnionIpPort, type IpPort } from '../ip-port.js';
import { requireLength } from '../keys.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import {
  ONION_IP_PORT_SIZE_BYTES,
  ONION_MAX_DATA_SIZE_BYTES,
  ONION_MAX_PACKET_SIZE_BYTES,
  ONION_RETURN_1_SIZE_BYTES,
  ONION_RETURN_2_SIZE_BYTES,
  ONION_RETURN_3_SIZE_BYTES,
  ONION_SEND_1_SIZE_BYTES,
  ONION_SEND_2_SIZE_BYTES,
  ONION_SEND_3_SIZE_BYTES,
} from './constants.js';
import { sealReturn } from './return-path.js';

/** 0x80 total = 226 + L (c-toxcore: `1 + ONION_SEND_1 + length`). */
export const ONION_REQUEST_0_OVERHEAD_BYTES = 1 + ONION_SEND_1_SIZE_BYTES; // 226
/** 0x81 total = 218 + L (`1 + ONION_SEND_2`). */
export const ONION_REQUEST_1_OVERHEAD_BYTES = 1 + ONION_SEND_2_SIZE_BYTES; // 218
/** 0x82 total = 210 + L (`1 + ONION_SEND_3`). */
export const ONION_REQUEST_2_OVERHEAD_BYTES = 1 + ONION_SEND_3_SIZE_BYTES; // 210

/** Payload ids C forwards to D in 0.2.18 (`handle_send_2`): 0x83 announce request, 0x85 onion data request. */
export const ONION_EXIT_PAYLOAD_IDS: readonly number[] = [PACKET_ID.announce_request, PACKET_ID.onion_data_request];

/** The client's view of a 3-hop path (c-toxcore `Onion_Path`). */
export interface OnionPath {
  /** Sent in the clear in 0x80: the client's DHT public key. */
  readonly publicKey1: Bytes;
  /** shared(client DHT sk, A's DHT pk). */
  readonly sharedKey1: Bytes;
  readonly ipPort2: IpPort;
  /** PK2, the public half of the path's random pair for layer 2. */
  readonly publicKey2: Bytes;
  /** shared(SK2, B's DHT pk). */
  readonly sharedKey2: Bytes;
  readonly ipPort3: IpPort;
  readonly publicKey3: Bytes;
  /** shared(SK3, C's DHT pk). */
  readonly sharedKey3: Bytes;
}

/**
 * Client side: the full 0x80 carrying `payload` (1..1174 bytes) to `dest`
 * through `path`, every layer under the same `nonce`. A is the node the caller
 * sends the datagram to.
 */
export function sealOnionRequest(crypto: Crypto, path: OnionPath, nonce: Bytes, dest: IpPort, payload: Bytes): Bytes {
  requireLength('onion nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('onion path publicKey1', path.publicKey1, PUBLIC_KEY_SIZE_BYTES);
  requireLength('onion path publicKey2', path.publicKey2, PUBLIC_KEY_SIZE_BYTES);
  requireLength('onion path publicKey3', path.publicKey3, PUBLIC_KEY_SIZE_BYTES);
  requireLength('onion path sharedKey1', path.sharedKey1, SHARED_KEY_SIZE_BYTES);
  requireLength('onion path sharedKey2', path.sharedKey2, SHARED_KEY_SIZE_BYTES);
  requireLength('onion path sharedKey3', path.sharedKey3, SHARED_KEY_SIZE_BYTES);
  if (payload.length === 0 || payload.length > ONION_MAX_DATA_SIZE_BYTES) {
    throw new Error(`sealOnionRequest: payload of ${payload.length} bytes (1..${ONION_MAX_DATA_SIZE_BYTES})`);
  }
  const layer3 = crypto.seal(path.sharedKey3, nonce, concat(encodeOnionIpPort(dest), payload));
  const layer2 = crypto.seal(path.sharedKey2, nonce, concat(encodeOnionIpPort(path.ipPort3), path.publicKey3, layer3));
  const layer1 = crypto.seal(path.sharedKey1, nonce, concat(encodeOnionIpPort(path.ipPort2), path.publicKey2, layer2));
  return new Writer(1 + NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + layer1.length)
    .u8(PACKET_ID.onion_request_0)
    .bytes(nonce)
    .bytes(path.publicKey1)
    .bytes(layer1)
    .finish();
}

// ---------------------------------------------------------------------------
// Relay side

export interface OnionRequestHeader {
  /** 0 for 0x80, 1 for 0x81, 2 for 0x82. */
  readonly hop: 0 | 1 | 2;
  readonly nonce: Bytes;
  /** The key this relay combines with its DHT secret key to open the layer. */
  readonly publicKey: Bytes;
  /** This relay's layer: MAC ‖ ciphertext. */
  readonly box: Bytes;
  /** RETURN_1 (0x81) or RETURN_2 (0x82); absent for 0x80. */
  readonly returnBlob?: Bytes;
}

export interface OnionLayer {
  /** Where to send what is inside: B, C, or destination D. */
  readonly next: IpPort;
  /** PK2 or PK3 for the next relay; absent at the exit (hop 2). */
  readonly publicKey?: Bytes;
  /** The next relay's box, or at the exit the payload for D. */
  readonly inner: Bytes;
}

const HOP_BY_ID: Readonly<Record<number, { hop: 0 | 1 | 2; overhead: number; returnSize: number }>> = {
  [PACKET_ID.onion_request_0]: { hop: 0, overhead: ONION_REQUEST_0_OVERHEAD_BYTES, returnSize: 0 },
  [PACKET_ID.onion_request_1]: { hop: 1, overhead: ONION_REQUEST_1_OVERHEAD_BYTES, returnSize: ONION_RETURN_1_SIZE_BYTES },
  [PACKET_ID.onion_request_2]: { hop: 2, overhead: ONION_REQUEST_2_OVERHEAD_BYTES, returnSize: ONION_RETURN_2_SIZE_BYTES },
};

/** Splits a 0x80/0x81/0x82 without decrypting, with c-toxcore's size rules. */
export function decodeOnionRequestHeader(bytes: Bytes): Result<OnionRequestHeader> {
  if (bytes.length === 0) return err('onion request: empty');
  const spec = HOP_BY_ID[bytes[0]!];
  if (!spec) return err(`onion request: packet id 0x${bytes[0]!.toString(16)} is not 0x80, 0x81 or 0x82`);
  if (bytes.length > ONION_MAX_PACKET_SIZE_BYTES) return err(`onion request: ${bytes.length} bytes is over ${ONION_MAX_PACKET_SIZE_BYTES}`);
  if (bytes.length <= spec.overhead) return err(`onion request ${spec.hop}: ${bytes.length} bytes, need more than ${spec.overhead}`);
  const r = new Reader(bytes.subarray(0, bytes.length - spec.returnSize));
  r.u8();
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const publicKey = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const box = r.rest();
  if (spec.returnSize === 0) return ok({ hop: spec.hop, nonce, publicKey, box });
  return ok({ hop: spec.hop, nonce, publicKey, box, returnBlob: bytes.slice(bytes.length - spec.returnSize) });
}

/**
 * Opens this relay's layer with shared(own DHT sk, header.publicKey). The next
 * address must be UDP (family 2 or 10). At the exit (hop 2) the payload must
 * start with 0x83 or 0x85, as c-toxcore 0.2.18 requires.
 */
export function openOnionLayer(crypto: Crypto, sharedKey: Bytes, header: OnionRequestHeader): Result<OnionLayer> {
  if (sharedKey.length !== SHARED_KEY_SIZE_BYTES || header.nonce.length !== NONCE_SIZE_BYTES) return err('onion layer: bad key or nonce length');
  const plain = crypto.open(sharedKey, header.nonce, header.box);
  if (!plain) return err(`onion layer ${header.hop}: box does not authenticate`);
  const minPlain = ONION_IP_PORT_SIZE_BYTES + (header.hop === 2 ? 1 : PUBLIC_KEY_SIZE_BYTES + MAC_SIZE_BYTES + 1);
  if (plain.length < minPlain) return err(`onion layer ${header.hop}: plaintext of ${plain.length} bytes is too short`);
  const next = decodeOnionIpPort(plain.subarray(0, ONION_IP_PORT_SIZE_BYTES));
  if (!next.ok) return err(`onion layer ${header.hop}: ${next.error}`);
  if (header.hop === 2) {
    const inner = plain.slice(ONION_IP_PORT_SIZE_BYTES);
    if (!ONION_EXIT_PAYLOAD_IDS.includes(inner[0]!)) {
      return err(`onion layer 2: exit payload id 0x${inner[0]!.toString(16)} is not 0x83 or 0x85`);
    }
    return ok({ next: next.value, inner });
  }
  return ok({
    next: next.value,
    publicKey: plain.slice(ONION_IP_PORT_SIZE_BYTES, ONION_IP_PORT_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES),
    inner: plain.slice(ONION_IP_PORT_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES),
  });
}

/** 0x81 as relay A sends it: `[0x81][nonce][PK2][layer 2][RETURN_1]`. */
export function encodeOnionRequest1(nonce: Bytes, publicKey: Bytes, box: Bytes, return1: Bytes): Bytes {
  requireLength('0x81 nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('0x81 public key', publicKey, PUBLIC_KEY_SIZE_BYTES);
  requireLength('0x81 RETURN_1', return1, ONION_RETURN_1_SIZE_BYTES);
  return relayedOnionRequest(PACKET_ID.onion_request_1, nonce, publicKey, box, return1);
}

/** 0x82 as relay B sends it: `[0x82][nonce][PK3][layer 3][RETURN_2]`. */
export function encodeOnionRequest2(nonce: Bytes, publicKey: Bytes, box: Bytes, return2: Bytes): Bytes {
  requireLength('0x82 nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('0x82 public key', publicKey, PUBLIC_KEY_SIZE_BYTES);
  requireLength('0x82 RETURN_2', return2, ONION_RETURN_2_SIZE_BYTES);
  return relayedOnionRequest(PACKET_ID.onion_request_2, nonce, publicKey, box, return2);
}

/** `[id][nonce][public key][box][return blob]`: the 0x81 / 0x82 a relay sends on. */
function relayedOnionRequest(id: number, nonce: Bytes, publicKey: Bytes, box: Bytes, returnBlob: Bytes): Bytes {
  return new Writer(1 + nonce.length + publicKey.length + box.length + returnBlob.length)
    .u8(id)
    .bytes(nonce)
    .bytes(publicKey)
    .bytes(box)
    .bytes(returnBlob)
    .finish();
}

/** What exit relay C sends to D: `[payload][RETURN_3]`. */
export function encodeOnionExit(payload: Bytes, return3: Bytes): Bytes {
  requireLength('exit RETURN_3', return3, ONION_RETURN_3_SIZE_BYTES);
  if (payload.length === 0) throw new Error('encodeOnionExit: empty payload');
  return concat(payload, return3);
}

export interface RelayOnionRequestKeys {
  /** shared(own DHT sk, header.publicKey). */
  readonly sharedKey: Bytes;
  /** This relay's symmetric return-path key. */
  readonly returnKey: Bytes;
  /** A fresh random nonce for the return blob. */
  readonly returnNonce: Bytes;
  /** The address the request came from (sealed into the return blob). */
  readonly source: IpPort;
}

/**
 * One relay step: opens the layer, seals the return blob (wrapping the one the
 * packet carried) and builds the packet for `next`: a 0x81 from a 0x80, a 0x82
 * from a 0x81, or `[payload][RETURN_3]` from a 0x82.
 */
export function relayOnionRequest(
  crypto: Crypto,
  keys: RelayOnionRequestKeys,
  header: OnionRequestHeader,
): Result<{ next: IpPort; packet: Bytes }> {
  const layer = openOnionLayer(crypto, keys.sharedKey, header);
  if (!layer.ok) return layer;
  const { next, publicKey, inner } = layer.value;
  const ret = sealReturn(crypto, keys.returnKey, keys.returnNonce, keys.source, header.returnBlob);
  if (header.hop === 2) return ok({ next, packet: encodeOnionExit(inner, ret) });
  if (!publicKey) return err('onion layer: missing next public key');
  const packet =
    header.hop === 0
      ? encodeOnionRequest1(header.nonce, publicKey, inner, ret)
      : encodeOnionRequest2(header.nonce, publicKey, inner, ret);
  return ok({ next, packet });
}
