/**
 * One saved friend: the 2216-byte record of the FRIENDS savedata section (docs/protocol.md §8.3;
 * c-toxcore 0.2.18 `toxcore/Messenger.c` `struct Saved_Friend`, `friend_save`, `friend_load`,
 * `friends_list_save`). The layout is the LP64 in-memory struct, padding included; c-toxcore
 * zero-fills it, so every unused byte is 0. All integers are big-endian (`net_htons`,
 * `net_pack_u64`); the request nospam is the raw 4 Tox-ID bytes.
 *
 * Serialized form (2216 bytes):
 *
 * | offset | length | field                                                       |
 * |-------:|-------:|-------------------------------------------------------------|
 * |      0 |      1 | status: 1 added, 2 request sent, 3 confirmed (online saves as 3) |
 * |      1 |     32 | friend's real public key                                    |
 * |     33 |   1024 | friend-request message we sent (status < 3), zero-filled    |
 * |   1057 |      1 | padding                                                     |
 * |   1058 |      2 | request message length, u16 BE                              |
 * |   1060 |    128 | friend's name (status ≥ 3), zero-filled                     |
 * |   1188 |      2 | name length, u16 BE                                         |
 * |   1190 |   1007 | friend's status message (status ≥ 3), zero-filled           |
 * |   2197 |      1 | padding                                                     |
 * |   2198 |      2 | status message length, u16 BE                               |
 * |   2200 |      1 | friend's user status (0 none, 1 away, 2 busy)               |
 * |   2201 |      3 | padding                                                     |
 * |   2204 |      4 | nospam the request was sent to (status < 3), raw bytes      |
 * |   2208 |      8 | last seen, u64 BE Unix seconds (status ≥ 3)                 |
 *
 * c-toxcore writes only the fields that match the status (request fields below 3, name/status
 * fields from 3 on) and zeros the rest; this codec writes whatever the model holds, so a record
 * read from c-toxcore is written back identically.
 */
import { Reader, type Bytes } from '../bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { MAX_NAME_LENGTH_BYTES, MAX_STATUSMESSAGE_LENGTH_BYTES } from '../messenger/constants.js';
import { err, ok, type Result } from '../result.js';
import { NOSPAM_SIZE_BYTES } from '../tox-id.js';

/** Messenger.c friend_size(): 2216 bytes. */
export const FRIEND_RECORD_SIZE_BYTES = 2216;
/**
 * The request-message slot, Messenger.c `SAVED_FRIEND_REQUEST_SIZE` (bytes). The name and
 * status-message slots are `MAX_NAME_LENGTH_BYTES` and `MAX_STATUSMESSAGE_LENGTH_BYTES`
 * (messenger/constants.ts), the nospam `NOSPAM_SIZE_BYTES` (tox-id.ts).
 */
export const SAVED_FRIEND_REQUEST_SIZE_BYTES = 1024;

/** Messenger.h friend status values as saved. */
export const FRIEND_STATUS_ADDED = 1;
export const FRIEND_STATUS_REQUESTED = 2;
export const FRIEND_STATUS_CONFIRMED = 3;

export interface SavedFriend {
  /** u8: 1 added, 2 request sent, 3 confirmed; 0 records are skipped by c-toxcore on load. */
  readonly status: number;
  readonly publicKey: Bytes;
  /** The request message we sent, 0..1024 bytes (c-toxcore fills it only below status 3). */
  readonly requestMessage: Bytes;
  /** 0..128 bytes. */
  readonly name: Bytes;
  /** 0..1007 bytes. */
  readonly statusMessage: Bytes;
  /** u8 user status (0 none, 1 away, 2 busy). */
  readonly userStatus: number;
  /** The 4 nospam bytes from the Tox ID the request went to. */
  readonly requestNospam: Bytes;
  /** u64 Unix seconds. */
  readonly lastSeen: bigint;
  /**
   * Not part of the record: toxstate's connection policy for this friend, saved in its own
   * section (friend-policies.ts). Absent means the default, `TryingToConnect`.
   */
  readonly policy?: SavedFriendPolicy;
}

/** A friend's connection policy as saved (machines/types.ts `FriendPolicy`; the first is the default). */
export type SavedFriendPolicy = 'TryingToConnect' | 'OpenToConnect' | 'RefusingToConnect';

const OFF = {
  status: 0,
  pk: 1,
  info: 33,
  infoSize: 1058,
  name: 1060,
  nameLength: 1188,
  statusMessage: 1190,
  statusMessageLength: 2198,
  userStatus: 2200,
  nospam: 2204,
  lastSeen: 2208,
} as const;

/** Throws when a field exceeds its slot (our own bug). */
export function encodeFriendRecord(f: SavedFriend): Bytes {
  const fail = (m: string): never => {
    throw new Error(`friend record: ${m}`);
  };
  if (!Number.isInteger(f.status) || f.status < 0 || f.status > 255) fail('status must be a byte');
  if (f.publicKey.length !== PUBLIC_KEY_SIZE_BYTES) fail('publicKey must be 32 bytes');
  if (f.requestMessage.length > SAVED_FRIEND_REQUEST_SIZE_BYTES) fail(`request message ${f.requestMessage.length} > ${SAVED_FRIEND_REQUEST_SIZE_BYTES} bytes`);
  if (f.name.length > MAX_NAME_LENGTH_BYTES) fail(`name ${f.name.length} > ${MAX_NAME_LENGTH_BYTES} bytes`);
  if (f.statusMessage.length > MAX_STATUSMESSAGE_LENGTH_BYTES) fail(`status message ${f.statusMessage.length} > ${MAX_STATUSMESSAGE_LENGTH_BYTES} bytes`);
  if (!Number.isInteger(f.userStatus) || f.userStatus < 0 || f.userStatus > 255) fail('userStatus must be a byte');
  if (f.requestNospam.length !== NOSPAM_SIZE_BYTES) fail('requestNospam must be 4 bytes');
  if (f.lastSeen < 0n || f.lastSeen >= 1n << 64n) fail('lastSeen must fit in u64');
  const out = new Uint8Array(FRIEND_RECORD_SIZE_BYTES);
  const v = new DataView(out.buffer);
  out[OFF.status] = f.status;
  out.set(f.publicKey, OFF.pk);
  out.set(f.requestMessage, OFF.info);
  v.setUint16(OFF.infoSize, f.requestMessage.length, false);
  out.set(f.name, OFF.name);
  v.setUint16(OFF.nameLength, f.name.length, false);
  out.set(f.statusMessage, OFF.statusMessage);
  v.setUint16(OFF.statusMessageLength, f.statusMessage.length, false);
  out[OFF.userStatus] = f.userStatus;
  out.set(f.requestNospam, OFF.nospam);
  v.setBigUint64(OFF.lastSeen, f.lastSeen, false);
  return out;
}

/**
 * Decodes one 2216-byte record. A length field larger than its slot is an error naming the
 * field (c-toxcore would drop that friend or that field; such a record is corrupt).
 */
export function decodeFriendRecord(bytes: Bytes): Result<SavedFriend> {
  if (bytes.length !== FRIEND_RECORD_SIZE_BYTES) return err(`friend record: ${bytes.length} bytes, expected ${FRIEND_RECORD_SIZE_BYTES}`);
  const r = new Reader(bytes);
  const at = (o: number) => {
    r.pos = o;
    return r;
  };
  const infoSize = at(OFF.infoSize).u16();
  const nameLength = at(OFF.nameLength).u16();
  const smLength = at(OFF.statusMessageLength).u16();
  if (infoSize > SAVED_FRIEND_REQUEST_SIZE_BYTES) return err(`friend record: request message length ${infoSize} exceeds ${SAVED_FRIEND_REQUEST_SIZE_BYTES}`);
  if (nameLength > MAX_NAME_LENGTH_BYTES) return err(`friend record: name length ${nameLength} exceeds ${MAX_NAME_LENGTH_BYTES}`);
  if (smLength > MAX_STATUSMESSAGE_LENGTH_BYTES) return err(`friend record: status message length ${smLength} exceeds ${MAX_STATUSMESSAGE_LENGTH_BYTES}`);
  return ok({
    status: bytes[OFF.status]!,
    publicKey: bytes.slice(OFF.pk, OFF.pk + PUBLIC_KEY_SIZE_BYTES),
    requestMessage: bytes.slice(OFF.info, OFF.info + infoSize),
    name: bytes.slice(OFF.name, OFF.name + nameLength),
    statusMessage: bytes.slice(OFF.statusMessage, OFF.statusMessage + smLength),
    userStatus: bytes[OFF.userStatus]!,
    requestNospam: bytes.slice(OFF.nospam, OFF.nospam + NOSPAM_SIZE_BYTES),
    lastSeen: at(OFF.lastSeen).u64(),
  });
}
