/**
 * Onion return-path blobs RETURN_1/2/3 (docs/protocol.md §3.3; c-toxcore
 * `toxcore/onion.c` `onion_send_1`, `handle_send_1`, `handle_send_2`,
 * `handle_recv_3/2/1`). Each relay seals the address it received a request
 * from, plus the previous relay's blob, under its own symmetric key, so a
 * response can retrace the path without any relay keeping state.
 *
 * Serialized form (59, 118 or 177 bytes):
 *
 * | offset | length       | field                                                     |
 * |-------:|-------------:|-----------------------------------------------------------|
 * |      0 |           24 | nonce (random per blob)                                   |
 * |     24 | 35 / 94 / 153| secretbox(relay key, nonce){IP_Port 19 ‖ inner RETURN_n−1 (0 / 59 / 118)} |
 *
 * The IP_Port is the 19-byte onion form (ip-port.ts).
 */
import { Writer, type Bytes } from '../bytes.js';
import { NONCE_SIZE_BYTES, SYMMETRIC_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { decodeOnionIpPort, encodeOnionIpPort, type IpPort } from '../ip-port.js';
import { requireLength } from '../keys.js';
import { err, ok, type Result } from '../result.js';
import {
  ONION_IP_PORT_SIZE_BYTES,
  ONION_RETURN_1_SIZE_BYTES,
  ONION_RETURN_2_SIZE_BYTES,
  ONION_RETURN_3_SIZE_BYTES,
} from './constants.js';

/** The level of a blob (1, 2 or 3) from its length, or null for any other length. */
export function returnLevel(blob: Bytes): 1 | 2 | 3 | null {
  switch (blob.length) {
    case ONION_RETURN_1_SIZE_BYTES:
      return 1;
    case ONION_RETURN_2_SIZE_BYTES:
      return 2;
    case ONION_RETURN_3_SIZE_BYTES:
      return 3;
    default:
      return null;
  }
}

export interface OpenedReturn {
  /** Where the response goes next (the previous hop, or the client for RETURN_1). */
  readonly ipPort: IpPort;
  /** The previous relay's blob (absent for RETURN_1). */
  readonly inner?: Bytes;
}

/**
 * Seals a blob: RETURN_1 without `innerReturn`, RETURN_2 with a 59-byte
 * RETURN_1, RETURN_3 with a 118-byte RETURN_2. `key` is the relay's 32-byte
 * symmetric key; `nonce` is fresh random bytes.
 */
export function sealReturn(crypto: Crypto, key: Bytes, nonce: Bytes, ipPort: IpPort, innerReturn?: Bytes): Bytes {
  requireLength('return-path key', key, SYMMETRIC_KEY_SIZE_BYTES);
  requireLength('return-path nonce', nonce, NONCE_SIZE_BYTES);
  if (innerReturn !== undefined) {
    const level = returnLevel(innerReturn);
    if (level === null || level === 3) throw new Error(`sealReturn: inner blob of ${innerReturn.length} bytes is not RETURN_1 or RETURN_2`);
  }
  const inner = innerReturn ?? new Uint8Array(0);
  const plain = new Writer(ONION_IP_PORT_SIZE_BYTES + inner.length).bytes(encodeOnionIpPort(ipPort)).bytes(inner).finish();
  const box = crypto.secretbox(key, nonce, plain);
  return new Writer(NONCE_SIZE_BYTES + box.length).bytes(nonce).bytes(box).finish();
}

/** Opens a blob this relay sealed with `key`. Only UDP IP_Port families (2, 10) are accepted. */
export function openReturn(crypto: Crypto, key: Bytes, blob: Bytes): Result<OpenedReturn> {
  const level = returnLevel(blob);
  if (level === null) return err(`return path: ${blob.length} bytes is not 59, 118 or 177`);
  if (key.length !== SYMMETRIC_KEY_SIZE_BYTES) return err('return path: bad key length');
  const plain = crypto.secretboxOpen(key, blob.subarray(0, NONCE_SIZE_BYTES), blob.subarray(NONCE_SIZE_BYTES));
  if (!plain) return err(`return path: RETURN_${level} does not authenticate`);
  const ipPort = decodeOnionIpPort(plain.subarray(0, ONION_IP_PORT_SIZE_BYTES));
  if (!ipPort.ok) return err(`return path: ${ipPort.error}`);
  if (level === 1) return ok({ ipPort: ipPort.value });
  return ok({ ipPort: ipPort.value, inner: plain.slice(ONION_IP_PORT_SIZE_BYTES) });
}
