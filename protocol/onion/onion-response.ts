/**
 * Onion responses 0x8c / 0x8d / 0x8e (docs/protocol.md §3.3; c-toxcore
 * `toxcore/onion.c` `send_onion_response`, `handle_recv_3/2/1`). D answers
 * through the return path: D → C `[0x8c][RETURN_3][R]`, C → B
 * `[0x8d][RETURN_2][R]`, B → A `[0x8e][RETURN_1][R]`, and A sends the raw R
 * to the client. Each hop requires R[0] to be 0x84 (announce response) or
 * 0x86 (onion data response).
 *
 * Serialized form:
 *
 * | offset | length      | field                                     |
 * |-------:|------------:|-------------------------------------------|
 * |      0 |           1 | 0x8c (level 3) / 0x8d (2) / 0x8e (1)      |
 * |      1 | 177/118/59  | RETURN_3 / RETURN_2 / RETURN_1            |
 * | 178/119/60 |   ≥ 1   | R: a 0x84 or 0x86 packet                  |
 *
 * Size: at most 1400 bytes, strictly more than 178 / 119 / 60.
 */
import { Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import type { IpPort } from '../ip-port.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import {
  ONION_MAX_PACKET_SIZE_BYTES,
  ONION_RETURN_1_SIZE_BYTES,
  ONION_RETURN_2_SIZE_BYTES,
  ONION_RETURN_3_SIZE_BYTES,
} from './constants.js';
import { openReturn } from './return-path.js';

export type OnionResponseLevel = 1 | 2 | 3;

/** Packet ids R may start with on the way back (c-toxcore `handle_recv_*`). */
export const ONION_RESPONSE_PAYLOAD_IDS: readonly number[] = [PACKET_ID.announce_response, PACKET_ID.onion_data_response];

const ID_BY_LEVEL: Readonly<Record<OnionResponseLevel, number>> = {
  3: PACKET_ID.onion_response_3,
  2: PACKET_ID.onion_response_2,
  1: PACKET_ID.onion_response_1,
};
const RETURN_SIZE_BY_LEVEL: Readonly<Record<OnionResponseLevel, number>> = {
  3: ONION_RETURN_3_SIZE_BYTES,
  2: ONION_RETURN_2_SIZE_BYTES,
  1: ONION_RETURN_1_SIZE_BYTES,
};

export interface OnionResponse {
  readonly level: OnionResponseLevel;
  /** RETURN_n for this level. */
  readonly returnBlob: Bytes;
  /** R: a 0x84 or 0x86 packet. */
  readonly data: Bytes;
}

export function encodeOnionResponse(level: OnionResponseLevel, returnBlob: Bytes, data: Bytes): Bytes {
  const retSize = RETURN_SIZE_BY_LEVEL[level];
  if (returnBlob.length !== retSize) throw new Error(`onion response ${level}: return blob is ${returnBlob.length} bytes, expected ${retSize}`);
  if (data.length === 0 || !ONION_RESPONSE_PAYLOAD_IDS.includes(data[0]!)) {
    throw new Error('onion response: R must start with 0x84 or 0x86');
  }
  const size = 1 + retSize + data.length;
  if (size > ONION_MAX_PACKET_SIZE_BYTES) throw new Error(`onion response: ${size} bytes is over ${ONION_MAX_PACKET_SIZE_BYTES}`);
  return new Writer(size).u8(ID_BY_LEVEL[level]).bytes(returnBlob).bytes(data).finish();
}

export function decodeOnionResponse(bytes: Bytes): Result<OnionResponse> {
  if (bytes.length === 0) return err('onion response: empty');
  const id = bytes[0]!;
  const level: OnionResponseLevel | null =
    id === PACKET_ID.onion_response_3 ? 3 : id === PACKET_ID.onion_response_2 ? 2 : id === PACKET_ID.onion_response_1 ? 1 : null;
  if (level === null) return err(`onion response: packet id 0x${id.toString(16)} is not 0x8c, 0x8d or 0x8e`);
  if (bytes.length > ONION_MAX_PACKET_SIZE_BYTES) return err(`onion response: ${bytes.length} bytes is over ${ONION_MAX_PACKET_SIZE_BYTES}`);
  const retSize = RETURN_SIZE_BY_LEVEL[level];
  if (bytes.length <= 1 + retSize) return err(`onion response ${level}: ${bytes.length} bytes, need more than ${1 + retSize}`);
  const data = bytes.slice(1 + retSize);
  if (!ONION_RESPONSE_PAYLOAD_IDS.includes(data[0]!)) {
    return err(`onion response ${level}: payload id 0x${data[0]!.toString(16)} is not 0x84 or 0x86`);
  }
  return ok({ level, returnBlob: bytes.slice(1, 1 + retSize), data });
}

/**
 * One relay step backwards: opens this relay's return blob with `returnKey`
 * and builds what goes to the previous hop — a 0x8d from a 0x8c, a 0x8e from a
 * 0x8d, or the raw R (for the client) from a 0x8e.
 */
export function relayOnionResponse(
  crypto: Crypto,
  returnKey: Bytes,
  response: OnionResponse,
): Result<{ next: IpPort; packet: Bytes }> {
  const opened = openReturn(crypto, returnKey, response.returnBlob);
  if (!opened.ok) return opened;
  const { ipPort, inner } = opened.value;
  if (response.level === 1) return ok({ next: ipPort, packet: response.data });
  if (!inner) return err('onion response: return blob has no inner blob');
  const nextLevel = (response.level - 1) as OnionResponseLevel;
  return ok({ next: ipPort, packet: encodeOnionResponse(nextLevel, inner, response.data) });
}
