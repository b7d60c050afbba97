/**
 * The onion request a client sends through a TCP relay (docs/protocol.md §14.7; c-toxcore 0.2.18
 * `toxcore/onion.c` create_onion_packet_tcp, `toxcore/TCP_client.c` send_onion_request).
 *
 * The relay is the path's first hop, and the TCP session already protects what the client sends
 * it, so there is no layer for hop 1: the body of the relay's ONION_REQUEST frame (after the 0x08
 * id, which the TCP packet codec adds) is
 *
 * | offset | length | field                                                                 |
 * |-------:|-------:|-----------------------------------------------------------------------|
 * |      0 |     24 | nonce n (the same at both layers)                                     |
 * |     24 |     19 | IP_Port of hop 2 (B)                                                  |
 * |     43 |     32 | PK2, the path's public key for layer 2                                |
 * |     75 | 102+L  | box(shared(SK2, B pk), n){IP_Port C 19 ‖ PK3 32 ‖ box(shared(SK3, C pk), n){IP_Port D 19 ‖ payload L}} |
 *
 * 177 + L bytes in all; the relay (onion.c onion_send_1) sends B the 0x81 that a UDP first hop
 * would, its RETURN_1 naming the client's TCP connection.
 */
import { concat, type Bytes } from '../bytes.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { encodeOnionIpPort, type IpPort } from '../ip-port.js';
import { requireLength } from '../keys.js';
import { ONION_MAX_DATA_SIZE_BYTES } from './constants.js';
import type { OnionPath } from './onion-request.js';

/** The body without the payload: nonce 24 + IP_Port 19 + PK2 32 + layers 2 and 3 (2 × 67 − 32 + …) = 177 + L. */
export const ONION_REQUEST_TCP_OVERHEAD_BYTES = 177;

/**
 * Client side: the ONION_REQUEST body carrying `payload` (1..1174 bytes) to `dest` through the
 * hops 2 and 3 of `path` (its layer-1 fields are not used), both layers under `nonce`.
 */
export function sealOnionRequestTcp(crypto: Crypto, path: OnionPath, nonce: Bytes, dest: IpPort, payload: Bytes): Bytes {
  requireLength('onion nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('onion path publicKey2', path.publicKey2, PUBLIC_KEY_SIZE_BYTES);
  requireLength('onion path publicKey3', path.publicKey3, PUBLIC_KEY_SIZE_BYTES);
  requireLength('onion path sharedKey2', path.sharedKey2, SHARED_KEY_SIZE_BYTES);
  requireLength('onion path sharedKey3', path.sharedKey3, SHARED_KEY_SIZE_BYTES);
  if (payload.length === 0 || payload.length > ONION_MAX_DATA_SIZE_BYTES) {
    throw new Error(`sealOnionRequestTcp: payload of ${payload.length} bytes (1..${ONION_MAX_DATA_SIZE_BYTES})`);
  }
  const layer3 = crypto.seal(path.sharedKey3, nonce, concat(encodeOnionIpPort(dest), payload));
  const layer2 = crypto.seal(path.sharedKey2, nonce, concat(encodeOnionIpPort(path.ipPort3), path.publicKey3, layer3));
  return concat(nonce, encodeOnionIpPort(path.ipPort2), path.publicKey2, layer2);
}
