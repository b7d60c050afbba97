/**
 * Request payload, net_crypto payload id 1 (docs/protocol.md §4.3): tells the peer which of its
 * lossless packets we are missing. Sent inside a crypto data packet whose packet_number is the
 * sender's buffer_end. c-toxcore 0.2.18 `generate_request_packet` / `handle_request_packet`.
 *
 * Serialized form (1..1373 bytes):
 *
 * | offset | length | field                                                          |
 * |-------:|-------:|----------------------------------------------------------------|
 * |      0 |      1 | 0x01                                                           |
 * |      1 |      k | distance bytes (below)                                         |
 *
 * Distance bytes, walking packet numbers from the receiver's buffer_start to its buffer_end
 * (u32 arithmetic, wrapping):
 * - a reference point starts at buffer_start − 1;
 * - a missing packet m at distance d = m − reference (1 ≤ d ≤ 255) is written as the byte d,
 *   and m becomes the reference;
 * - when 255 packets past the reference are present, a 0 byte is written and the reference
 *   moves forward by 255 (so a gap d > 255 is ⌊(d−1)/255⌋ zeros then the remainder);
 * - this also happens after the last missing packet while received packets continue up to
 *   buffer_end, so c-toxcore can emit trailing zero bytes; they request nothing;
 * - the generator stops when the payload reaches 1373 bytes (MAX_CRYPTO_DATA_SIZE).
 *
 * Decoding (the data sender's side) walks its own send buffer from buffer_start to buffer_end:
 * a packet whose distance matches the next byte is requested; every other packet walked is
 * considered delivered; at distance 255 without a match the byte must be 0 and moves the
 * reference by 255 (c-toxcore rejects the packet otherwise, but that cannot happen: a byte
 * 1..255 always matches first); the walk stops when the bytes run out or at buffer_end. A bare
 * `[0x01]` requests nothing and acknowledges nothing.
 */
import type { Bytes } from '../bytes.js';
import { err, ok, type Result } from '../result.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { CRYPTO_PACKET_BUFFER_SIZE_PACKETS, MAX_CRYPTO_DATA_SIZE_BYTES } from './constants.js';

const u32 = (n: number): number => n >>> 0;

export interface RequestPacketInput {
  /** Our recv buffer_start (u32): the first packet number we have not delivered. */
  readonly bufferStart: number;
  /** Missing packet numbers, in walking order from bufferStart, each within 32768 of it. */
  readonly missing: readonly number[];
  /**
   * Our recv buffer_end (one past the highest number received). Optional: when given, the
   * trailing zero bytes c-toxcore writes for received packets after the last gap are written too.
   */
  readonly bufferEnd?: number;
  /** Largest payload to produce, id byte included (default 1373, as c-toxcore). */
  readonly maxLength?: number;
}

/**
 * Encodes a request payload. Throws if `missing` is not strictly increasing in distance from
 * `bufferStart`, lies outside the 32768-packet window or beyond `bufferEnd`.
 */
export function encodeRequestPacket(input: RequestPacketInput): Bytes {
  const start = u32(input.bufferStart);
  const maxLength = input.maxLength ?? MAX_CRYPTO_DATA_SIZE_BYTES;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error('request packet: maxLength must be ≥ 1');
  const offsets: number[] = [];
  let prev = -1;
  for (const m of input.missing) {
    const off = u32(m - start);
    if (off >= CRYPTO_PACKET_BUFFER_SIZE_PACKETS) throw new Error(`request packet: ${m} is outside the window from ${start}`);
    if (off <= prev) throw new Error('request packet: missing numbers must be strictly increasing from bufferStart');
    offsets.push(off);
    prev = off;
  }
  let endOff = prev + 1;
  if (input.bufferEnd !== undefined) {
    const e = u32(input.bufferEnd - start);
    if (e > CRYPTO_PACKET_BUFFER_SIZE_PACKETS || e < endOff) throw new Error('request packet: bufferEnd is before a missing packet or outside the window');
    endOff = e;
  }
  const out: number[] = [CRYPTO_PAYLOAD_ID.request];
  // Mirrors the walk: n is the distance from the reference point of the packet being looked at.
  let n = 1;
  let next = 0;
  for (let off = 0; off < endOff && out.length < maxLength; off++) {
    if (next < offsets.length && offsets[next] === off) {
      out.push(n);
      n = 0;
      next++;
    } else if (n === 255) {
      out.push(0);
      n = 0;
    }
    n++;
  }
  return Uint8Array.from(out);
}

export interface RequestPacketDecoded {
  /** Requested packet numbers (u32), in order. */
  readonly requested: readonly number[];
  /**
   * One past the last packet number the walk reached: every number in [bufferStart, walkedEnd)
   * that is not requested counts as delivered (c-toxcore frees it).
   */
  readonly walkedEnd: number;
}

/**
 * Decodes a request payload against our send buffer window [bufferStart, bufferEnd). Without
 * `bufferEnd` the walk is bounded by the 32768-packet window. Never throws.
 */
export function decodeRequestPacket(
  payload: Bytes,
  window: { readonly bufferStart: number; readonly bufferEnd?: number },
): Result<RequestPacketDecoded> {
  if (payload.length === 0) return err('request packet: empty');
  if (payload[0] !== CRYPTO_PAYLOAD_ID.request) return err(`request packet: id is not ${CRYPTO_PAYLOAD_ID.request}`);
  const start = u32(window.bufferStart);
  let span = CRYPTO_PACKET_BUFFER_SIZE_PACKETS;
  if (window.bufferEnd !== undefined) {
    span = u32(window.bufferEnd - start);
    if (span > CRYPTO_PACKET_BUFFER_SIZE_PACKETS) return err('request packet: send window larger than 32768 packets');
  }
  const requested: number[] = [];
  if (payload.length === 1) return ok({ requested, walkedEnd: start });
  let pos = 1;
  let n = 1;
  let off = 0;
  for (; off < span; off++) {
    if (pos >= payload.length) break;
    if (n === payload[pos]) {
      requested.push(u32(start + off));
      pos++;
      n = 0;
    }
    if (n === 255) {
      n = 1;
      if (payload[pos] !== 0) return err(`request packet: byte ${pos} should be 0 after 255 packets without a request`);
      pos++;
    } else {
      n++;
    }
  }
  return ok({ requested, walkedEnd: u32(start + off) });
}
