/**
 * Onion data request 0x85 (docs/protocol.md §3.5, §3.6; c-toxcore
 * `toxcore/onion_announce.c` `create_data_request`, `handle_data_request`,
 * `toxcore/onion_client.c` `send_onion_data`). Data for a peer announced at
 * node D, sent through the onion to D, which turns it into a 0x86 (drop the
 * destination key) and sends it back along the peer's stored return path.
 *
 * Two layers under the SAME nonce: the outer one under shared(fresh temp sk,
 * destination's data pk) — the key D gave out in is_stored=1 responses; the
 * inner one under shared(sender real sk, destination real pk), which
 * authenticates the sender.
 *
 * Serialized form (153 + L bytes, 1 ≤ L ≤ 1021; D receives it with RETURN_3
 * appended). Note a c-toxcore receiver drops the resulting 0x86 when L > 948
 * (`ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES`):
 *
 * | offset | length | field                                                           |
 * |-------:|-------:|-----------------------------------------------------------------|
 * |      0 |      1 | 0x85                                                            |
 * |      1 |     32 | destination real public key                                     |
 * |     33 |     24 | nonce                                                           |
 * |     57 |     32 | temp public key (fresh random pair per packet)                  |
 * |     89 | 64+L   | box(shared(temp sk, dest data pk), nonce){sender real pk 32 ‖ inner box 16+L} |
 *
 * Inner box: box(shared(sender real sk, dest real pk), nonce){data L}.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import {
  ONION_CLIENT_MAX_DATA_SIZE_BYTES,
  ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES,
  ONION_DATA_REQUEST_MIN_SIZE_BYTES,
  ONION_MAX_DATA_SIZE_BYTES,
  ONION_MAX_PACKET_SIZE_BYTES,
  ONION_RETURN_3_SIZE_BYTES,
} from './constants.js';
import { encodeOnionDataResponse } from './onion-data-response.js';

/** 0x85 total = 153 + L: 105 + sender pk 32 + inner MAC 16. */
export const ONION_DATA_REQUEST_OVERHEAD_BYTES = ONION_DATA_REQUEST_MIN_SIZE_BYTES + ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES;

export interface OnionDataRequestSeal {
  readonly destRealPk: Bytes;
  readonly nonce: Bytes;
  /** Public half of a fresh random pair. */
  readonly tempPk: Bytes;
  /** shared(temp sk, destination's data pk). */
  readonly outerSharedKey: Bytes;
  readonly senderRealPk: Bytes;
  /** shared(sender real sk, destination real pk). */
  readonly innerSharedKey: Bytes;
  /** 1..1021 bytes, first byte the payload type (onion-data-payloads.ts). */
  readonly data: Bytes;
}

export interface OnionDataRequestHeader {
  readonly destRealPk: Bytes;
  readonly nonce: Bytes;
  readonly tempPk: Bytes;
  /** Outer box: MAC ‖ ciphertext. */
  readonly box: Bytes;
  /** RETURN_3, when decoded with `withReturn`. */
  readonly returnBlob?: Bytes;
}

/**
 * The inner part, `sender real pk ‖ box(innerSharedKey, nonce){data}`. c-toxcore
 * builds it once and wraps it in a separate 0x85 (fresh temp key) per node.
 */
export function sealOnionDataInner(crypto: Crypto, innerSharedKey: Bytes, senderRealPk: Bytes, nonce: Bytes, data: Bytes): Bytes {
  requireLength('onion data sender real pk', senderRealPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('onion data nonce', nonce, NONCE_SIZE_BYTES);
  if (data.length === 0 || data.length > ONION_CLIENT_MAX_DATA_SIZE_BYTES) {
    throw new Error(`onion data: ${data.length} bytes of data (1..${ONION_CLIENT_MAX_DATA_SIZE_BYTES})`);
  }
  const box = crypto.seal(innerSharedKey, nonce, data);
  return new Writer(PUBLIC_KEY_SIZE_BYTES + box.length).bytes(senderRealPk).bytes(box).finish();
}

/** Builds a 0x85 around an inner part from `sealOnionDataInner` (same nonce). */
export function sealOnionDataRequestWithInner(
  crypto: Crypto,
  destRealPk: Bytes,
  nonce: Bytes,
  tempPk: Bytes,
  outerSharedKey: Bytes,
  inner: Bytes,
): Bytes {
  requireLength('onion data dest real pk', destRealPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('onion data nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('onion data temp pk', tempPk, PUBLIC_KEY_SIZE_BYTES);
  if (inner.length <= ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES) throw new Error('onion data: inner part too short');
  const box = crypto.seal(outerSharedKey, nonce, inner);
  const size = 1 + 2 * PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES + box.length;
  if (size > ONION_MAX_DATA_SIZE_BYTES) throw new Error(`onion data request: ${size} bytes is over ${ONION_MAX_DATA_SIZE_BYTES}`);
  return new Writer(size).u8(PACKET_ID.onion_data_request).bytes(destRealPk).bytes(nonce).bytes(tempPk).bytes(box).finish();
}

/** The whole 0x85 in one call. */
export function sealOnionDataRequest(crypto: Crypto, f: OnionDataRequestSeal): Bytes {
  const inner = sealOnionDataInner(crypto, f.innerSharedKey, f.senderRealPk, f.nonce, f.data);
  return sealOnionDataRequestWithInner(crypto, f.destRealPk, f.nonce, f.tempPk, f.outerSharedKey, inner);
}

/**
 * Splits a 0x85. `withReturn: true` is the form D receives from exit relay C
 * (c-toxcore `handle_data_request`: more than 282 and at most 1400 bytes, the
 * last 177 being RETURN_3); `withReturn: false` is the client-built form
 * (more than 105 and at most 1174 bytes).
 */
export function decodeOnionDataRequest(bytes: Bytes, opts: { readonly withReturn: boolean }): Result<OnionDataRequestHeader> {
  const ret = opts.withReturn ? ONION_RETURN_3_SIZE_BYTES : 0;
  const max = opts.withReturn ? ONION_MAX_PACKET_SIZE_BYTES : ONION_MAX_DATA_SIZE_BYTES;
  if (bytes.length <= ONION_DATA_REQUEST_MIN_SIZE_BYTES + ret) return err(`onion data request: ${bytes.length} bytes is too short`);
  if (bytes.length > max) return err(`onion data request: ${bytes.length} bytes is over ${max}`);
  if (bytes[0] !== PACKET_ID.onion_data_request) return err(`onion data request: packet id 0x${bytes[0]!.toString(16)} is not 0x85`);
  const r = new Reader(bytes.subarray(0, bytes.length - ret));
  r.u8();
  const destRealPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const tempPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const box = r.rest();
  if (!opts.withReturn) return ok({ destRealPk, nonce, tempPk, box });
  return ok({ destRealPk, nonce, tempPk, box, returnBlob: bytes.slice(bytes.length - ret) });
}

/**
 * What D forwards: the 0x86 is the 0x85 without the destination key (and
 * without the return blob). D sends it as R in `[0x8c][stored RETURN_3][0x86…]`.
 */
export function onionDataResponseFromRequest(header: OnionDataRequestHeader): Bytes {
  return encodeOnionDataResponse({ nonce: header.nonce, tempPk: header.tempPk, box: header.box });
}
