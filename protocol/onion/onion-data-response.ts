/**
 * Onion data response 0x86 (docs/protocol.md §3.5; c-toxcore
 * `toxcore/onion_client.c` `handle_data_response`). A 0x85 as D forwards it
 * to the announced peer: the same nonce, temp key and ciphertext, without the
 * destination key. Opening takes two steps because the inner key depends on
 * the sender key found inside the outer layer:
 *   1. outer: shared(own temp "data" sk, header.tempPk) → sender real pk ‖ inner box;
 *   2. inner: shared(own real sk, sender real pk), same nonce → data.
 *
 * Serialized form (121 + L bytes; a receiver accepts 121 < size ≤ 1069):
 *
 * | offset | length | field                                                       |
 * |-------:|-------:|-------------------------------------------------------------|
 * |      0 |      1 | 0x86                                                        |
 * |      1 |     24 | nonce                                                       |
 * |     25 |     32 | temp public key                                             |
 * |     57 | 64+L   | box(shared(temp sk, our data pk), nonce){sender real pk 32 ‖ inner box 16+L} |
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import {
  MAX_DATA_REQUEST_SIZE_BYTES,
  ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES,
  ONION_DATA_RESPONSE_MIN_SIZE_BYTES,
} from './constants.js';

/** 0x86 total = 121 + L. */
export const ONION_DATA_RESPONSE_OVERHEAD_BYTES = ONION_DATA_RESPONSE_MIN_SIZE_BYTES + ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES;

export interface OnionDataResponseHeader {
  readonly nonce: Bytes;
  readonly tempPk: Bytes;
  readonly box: Bytes;
}

export interface OnionDataOuter {
  readonly senderRealPk: Bytes;
  /** Inner box, opened with `openOnionDataInner`. */
  readonly innerBox: Bytes;
}

export function encodeOnionDataResponse(h: OnionDataResponseHeader): Bytes {
  requireLength('0x86 nonce', h.nonce, NONCE_SIZE_BYTES);
  requireLength('0x86 temp pk', h.tempPk, PUBLIC_KEY_SIZE_BYTES);
  return new Writer(1 + NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + h.box.length)
    .u8(PACKET_ID.onion_data_response)
    .bytes(h.nonce)
    .bytes(h.tempPk)
    .bytes(h.box)
    .finish();
}

/** Splits a 0x86 with the receiver's size rule: more than 121 and at most 1069 bytes. */
export function decodeOnionDataResponse(bytes: Bytes): Result<OnionDataResponseHeader> {
  if (bytes.length <= ONION_DATA_RESPONSE_OVERHEAD_BYTES) return err(`onion data response: ${bytes.length} bytes is too short`);
  if (bytes.length > MAX_DATA_REQUEST_SIZE_BYTES) return err(`onion data response: ${bytes.length} bytes is over ${MAX_DATA_REQUEST_SIZE_BYTES}`);
  if (bytes[0] !== PACKET_ID.onion_data_response) return err(`onion data response: packet id 0x${bytes[0]!.toString(16)} is not 0x86`);
  const r = new Reader(bytes);
  r.u8();
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const tempPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  return ok({ nonce, tempPk, box: r.rest() });
}

/** Step 1: open the outer layer with shared(own temp sk, header.tempPk). */
export function openOnionDataOuter(crypto: Crypto, outerSharedKey: Bytes, header: OnionDataResponseHeader): Result<OnionDataOuter> {
  if (outerSharedKey.length !== SHARED_KEY_SIZE_BYTES || header.nonce.length !== NONCE_SIZE_BYTES) return err('onion data: bad key or nonce length');
  const p = crypto.open(outerSharedKey, header.nonce, header.box);
  if (!p) return err('onion data: outer box does not authenticate');
  if (p.length <= ONION_DATA_IN_RESPONSE_MIN_SIZE_BYTES) return err(`onion data: outer plaintext of ${p.length} bytes is too short`);
  return ok({ senderRealPk: p.slice(0, PUBLIC_KEY_SIZE_BYTES), innerBox: p.slice(PUBLIC_KEY_SIZE_BYTES) });
}

/** Step 2: open the inner layer with shared(own real sk, senderRealPk) and the packet's nonce. */
export function openOnionDataInner(crypto: Crypto, innerSharedKey: Bytes, nonce: Bytes, innerBox: Bytes): Result<Bytes> {
  if (innerSharedKey.length !== SHARED_KEY_SIZE_BYTES || nonce.length !== NONCE_SIZE_BYTES) return err('onion data: bad key or nonce length');
  const data = crypto.open(innerSharedKey, nonce, innerBox);
  if (!data) return err('onion data: inner box does not authenticate');
  return ok(data);
}
