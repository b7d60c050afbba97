/**
 * USERSTATUS, Messenger payload 50 (docs/protocol.md §6.2): none / away / busy.
 *
 * Serialized form (exactly 2 bytes):
 *
 * | offset | length | field                              |
 * |-------:|-------:|------------------------------------|
 * |      0 |      1 | 0x32                               |
 * |      1 |      1 | status: 0 none, 1 away, 2 busy     |
 *
 * c-toxcore ignores any other length and any status ≥ 3 (USERSTATUS_INVALID).
 */
import type { Bytes } from '../bytes.js';
import { CRYPTO_PAYLOAD_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { USERSTATUS_INVALID } from './constants.js';

export type UserStatus = 0 | 1 | 2;

export interface UserStatusPacket {
  readonly kind: 'userStatus';
  readonly status: UserStatus;
}

export function encodeUserStatus(status: UserStatus): Bytes {
  if (status !== 0 && status !== 1 && status !== 2) throw new Error(`user status: ${String(status)} is not 0, 1 or 2`);
  return Uint8Array.of(CRYPTO_PAYLOAD_ID.user_status, status);
}

export function decodeUserStatus(bytes: Bytes): Result<UserStatusPacket> {
  if (bytes.length === 0 || bytes[0] !== CRYPTO_PAYLOAD_ID.user_status) return err(`user status: id is not ${CRYPTO_PAYLOAD_ID.user_status}`);
  if (bytes.length !== 2) return err(`user status: length ${bytes.length}, must be exactly 2`);
  const s = bytes[1]!;
  if (s >= USERSTATUS_INVALID) return err(`user status: value ${s} is not 0, 1 or 2 (ignored by c-toxcore)`);
  return ok({ kind: 'userStatus', status: s as UserStatus });
}
