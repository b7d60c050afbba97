/**
 * c-toxcore savedata, the profile file `tox_get_savedata` writes (docs/protocol.md §8; c-toxcore
 * 0.2.18 `toxcore/state.c`, `state.h`, `Messenger.c` state plugins, `DHT.c` `dht_save`/`dht_load`,
 * `tox.c` `tox_load`/`tox_get_savedata`). Parsing and serializing only: no file I/O here.
 *
 * Serialized form:
 *
 * | offset | length | field                                               |
 * |-------:|-------:|-----------------------------------------------------|
 * |      0 |      4 | u32 LE 0 (the loader requires 0)                    |
 * |      4 |      4 | u32 LE 0x15ED1B1F (STATE_COOKIE_GLOBAL)             |
 * |      8 |      … | sections, each:                                     |
 * |     +0 |      4 |   body length, u32 LE                               |
 * |     +4 |      2 |   section type, u16 LE                              |
 * |     +6 |      2 |   u16 LE 0x01CE (STATE_COOKIE_TYPE)                 |
 * |     +8 |    len |   body                                              |
 * |      … |      8 | END section: length 0, type 255                     |
 * |      … |      … | trailer: anything after END (ignored by c-toxcore;  |
 * |        |        | tox_get_savedata leaves zeros there because its size|
 * |        |        | estimate counts 8 full TCP-relay/path-node slots)   |
 *
 * Section bodies (0.2.18 writes them in the order 1, 2, 3, 4, 5, 6, 10, 11, 20, 255):
 *
 * | type | name          | body                                                             |
 * |-----:|---------------|------------------------------------------------------------------|
 * |    1 | NOSPAMKEYS    | nospam 4 ‖ real pk 32 ‖ real sk 32 (pk must derive from sk)       |
 * |    2 | DHT           | u32 LE 0x0159000D, then inner sections `[u32 LE len][u16 LE type]`|
 * |      |               | `[u16 LE 0x11CE]` — type 4 holds UDP packed nodes                |
 * |    3 | FRIENDS       | N × 2216-byte records (friend-record.ts)                          |
 * |    4 | NAME          | 0..128 bytes (longer: ignored by c-toxcore)                       |
 * |    5 | STATUSMESSAGE | 0..1007 bytes (likewise)                                          |
 * |    6 | STATUS        | 1 byte, 0..2 (anything else ignored)                              |
 * |   10 | TCP_RELAY     | ≤ 8 packed nodes, TCP types allowed; may be empty                 |
 * |   11 | PATH_NODE     | ≤ 8 UDP packed nodes (onion bootstrap)                            |
 * |   20 | CONFERENCES   | conference state, kept as raw bytes; may be empty                 |
 * |  255 | END           | empty                                                             |
 * |29556 | (toxstate)    | friends' connection policies, after FRIENDS (friend-policies.ts)  |
 *
 * The nospam is written little-endian from c-toxcore's internal u32, which on little-endian
 * hosts (every host that produced the public samples) equals Tox-ID bytes 32..35. We keep the
 * 4 raw bytes. A save written on a big-endian host (c-toxcore's `save.tox.big`) has a
 * byte-swapped header and is refused with its own error.
 *
 * Model decisions:
 * - Unknown section types are kept byte for byte, anchored after the last known section that
 *   preceded them, and written back in their original relative order — within a bound:
 *   at most MAX_KEPT_UNKNOWN_SECTIONS sections and MAX_KEPT_UNKNOWN_BYTES of bodies in all.
 *   c-toxcore 0.2.18 keeps none (tox.c `state_load_callback` logs "contains unrecognized part"
 *   and skips it; its next save omits it); we keep a bounded amount so that a section a newer
 *   c-toxcore writes (GROUPS, type 7 after 0.2.18) survives a rewrite by toxstate. Sections over
 *   the bound are dropped as c-toxcore drops them, with one warning, and never copied.
 * - The trailer (bytes after END, which c-toxcore ignores) is kept up to MAX_KEPT_TRAILER_BYTES
 *   and dropped with a warning beyond.
 * - At most MAX_SAVEDATA_WARNINGS warnings are listed, then how many more there were.
 * - DHT, TCP_RELAY and PATH_NODE bodies are kept raw (written back unchanged) and also decoded
 *   to packed nodes when they decode cleanly (`nodes: null` otherwise, with a warning).
 * - Known sections c-toxcore itself would ignore (NAME of > 128 bytes, STATUS ≠ 1 byte or
 *   ≥ 3, …) produce a warning and are dropped on rewrite, as c-toxcore's own next save does.
 * - A repeated known section behaves as in c-toxcore: later ones win, FRIENDS accumulate.
 * - Errors that make c-toxcore refuse the whole file are errors here, each with its code.
 */
import { equalBytes, Reader, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { PUBLIC_KEY_SIZE_BYTES, SECRET_KEY_SIZE_BYTES } from '../crypto.js';
import { MAX_NAME_LENGTH_BYTES, MAX_STATUSMESSAGE_LENGTH_BYTES } from '../messenger/constants.js';
import { decodePackedNodes, encodePackedNodes, readPackedNode, type PackedNode } from '../packed-node.js';
import { formatToxId, NOSPAM_SIZE_BYTES } from '../tox-id.js';
import { decodeFriendRecord, encodeFriendRecord, FRIEND_RECORD_SIZE_BYTES, type SavedFriend } from './friend-record.js';
import { applyFriendPolicies, decodeFriendPolicies, encodeFriendPolicies, FRIEND_POLICIES_SECTION_TYPE, type FriendPolicyEntry } from './friend-policies.js';

/** state.h STATE_COOKIE_GLOBAL. */
export const STATE_COOKIE_GLOBAL = 0x15ed1b1f;
/** state.h STATE_COOKIE_TYPE: high half of every section's type word. */
export const STATE_COOKIE_TYPE = 0x01ce;
/** DHT.c DHT_STATE_COOKIE_GLOBAL: first word of the DHT section body. */
export const DHT_STATE_COOKIE_GLOBAL = 0x0159000d;
/** DHT.c DHT_STATE_COOKIE_TYPE: high half of the DHT inner sections' type word. */
export const DHT_STATE_COOKIE_TYPE = 0x11ce;
/** DHT.c DHT_STATE_TYPE_NODES. */
export const DHT_STATE_TYPE_NODES = 4;
/** Messenger.c NOSPAMKEYS body: nospam 4 + pk 32 + sk 32 (bytes). */
export const NOSPAMKEYS_SIZE_BYTES = NOSPAM_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + SECRET_KEY_SIZE_BYTES;
/** Messenger.h NUM_SAVED_TCP_RELAYS. */
export const NUM_SAVED_TCP_RELAYS = 8;
/** Messenger.c NUM_SAVED_PATH_NODES. */
export const NUM_SAVED_PATH_NODES = 8;

/**
 * Unknown sections kept for rewriting (see the header): 4 MiB holds a newer c-toxcore's GROUPS
 * section for ~200 groups at their fullest (100 saved peers, moderators, topic: ~20 KB each).
 */
export const MAX_KEPT_UNKNOWN_BYTES = 4 * 1024 * 1024;
export const MAX_KEPT_UNKNOWN_SECTIONS = 64;
/** Trailer kept for rewriting: c-toxcore's own slack is a few hundred zero bytes. */
export const MAX_KEPT_TRAILER_BYTES = 64 * 1024;
/** Warnings listed by parseSavedata; the rest are counted in a last one. */
export const MAX_SAVEDATA_WARNINGS = 16;

/** state.h State_Type. */
export const SECTION_TYPE = {
  NOSPAMKEYS: 1,
  DHT: 2,
  FRIENDS: 3,
  NAME: 4,
  STATUSMESSAGE: 5,
  STATUS: 6,
  TCP_RELAY: 10,
  PATH_NODE: 11,
  CONFERENCES: 20,
  END: 255,
} as const;

/** The order c-toxcore 0.2.18 writes the known sections in (END last). */
export const SECTION_ORDER: readonly number[] = [1, 2, 3, 4, 5, 6, 10, 11, 20];

export interface ProfileKeys {
  /** The 4 nospam bytes in Tox-ID order. */
  readonly nospam: Bytes;
  readonly publicKey: Bytes;
  readonly secretKey: Bytes;
}

/** A node-list section kept verbatim, plus its decoded nodes when they decode cleanly. */
export interface NodesSection {
  readonly raw: Bytes;
  readonly nodes: readonly PackedNode[] | null;
}

export interface UnknownSection {
  readonly type: number;
  readonly body: Bytes;
  /** The known section type it is written after (null: before all of them). */
  readonly afterType: number | null;
}

export interface Profile {
  readonly keys: ProfileKeys;
  readonly friends: readonly SavedFriend[];
  /** 0..128 bytes. */
  readonly name: Bytes;
  /** 0..1007 bytes. */
  readonly statusMessage: Bytes;
  /** 0 none, 1 away, 2 busy. */
  readonly userStatus: number;
  /** null: no DHT section. */
  readonly dht: NodesSection | null;
  /** null: no TCP_RELAY section. */
  readonly tcpRelays: NodesSection | null;
  /** null: no PATH_NODE section. */
  readonly pathNodes: NodesSection | null;
  /** null: no CONFERENCES section; otherwise its raw body (may be empty). */
  readonly conferences: Bytes | null;
  readonly unknownSections: readonly UnknownSection[];
  /** Bytes after the END section, written back as they were (usually zeros, or nothing). */
  readonly trailer: Bytes;
}

export type SavedataErrorCode =
  | 'truncated'
  | 'bad-magic'
  | 'encrypted'
  | 'big-endian'
  | 'bad-section-framing'
  | 'bad-keys-length'
  | 'key-mismatch'
  | 'missing-keys'
  | 'bad-friend-record-length'
  | 'bad-friend-record'
  /** toxstate's friend policy section (friend-policies.ts) is malformed. */
  | 'bad-friend-policies';

export type SavedataResult =
  | { readonly ok: true; readonly value: Profile; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string; readonly code: SavedataErrorCode };

const fail = (code: SavedataErrorCode, error: string): SavedataResult => ({ ok: false, code, error: `savedata ${code}: ${error}` });

const SECTION_NAMES: Record<number, string> = {
  ...Object.fromEntries(Object.entries(SECTION_TYPE).map(([name, type]) => [type, name])),
  [FRIEND_POLICIES_SECTION_TYPE]: 'TOXSTATE_FRIEND_POLICIES',
};
const sectionName = (t: number) => SECTION_NAMES[t] ?? `unknown type ${t}`;

/** The Tox ID (76 hex) of a profile. */
export function profileToxId(p: Profile): string {
  return formatToxId(p.keys.publicKey, p.keys.nospam);
}

/** A fresh profile for a key pair: no friends, empty name and status message, no node lists. */
export function emptyProfile(keys: ProfileKeys): Profile {
  return {
    keys,
    friends: [],
    name: new Uint8Array(0),
    statusMessage: new Uint8Array(0),
    userStatus: 0,
    dht: null,
    tcpRelays: null,
    pathNodes: null,
    conferences: null,
    unknownSections: [],
    trailer: new Uint8Array(0),
  };
}

function readNodeList(body: Bytes, max: number, allowTcp: boolean): PackedNode[] | string {
  // c-toxcore unpack_nodes with processed_data_len = NULL: up to `max` nodes, rest ignored.
  const r = new Reader(body);
  const nodes: PackedNode[] = [];
  while (nodes.length < max && r.remaining > 0) {
    const n = readPackedNode(r, allowTcp);
    if (!n.ok) return n.error;
    nodes.push(n.value);
  }
  return nodes;
}

/** Decodes the nodes in a DHT section body; a string is the reason it did not decode. */
export function decodeDhtSection(body: Bytes): PackedNode[] | string {
  const r = new Reader(body);
  if (body.length <= 4) return 'DHT section shorter than its cookie';
  if (r.u32le() !== DHT_STATE_COOKIE_GLOBAL) return 'DHT section cookie is not 0x0159000D';
  const nodes: PackedNode[] = [];
  while (r.remaining >= 8) {
    const len = r.u32le();
    const typeWord = r.u32le();
    if (len > r.remaining) return `DHT inner section declares ${len} bytes, ${r.remaining} remain`;
    if (typeWord >>> 16 !== DHT_STATE_COOKIE_TYPE) return 'DHT inner section cookie is not 0x11CE';
    const inner = r.bytes(len);
    if ((typeWord & 0xffff) === DHT_STATE_TYPE_NODES) {
      const d = decodePackedNodes(inner, { allowTcp: false });
      if (!d.ok) return `DHT nodes: ${d.error}`;
      nodes.push(...d.value);
    }
  }
  if (r.remaining !== 0) return `DHT section has ${r.remaining} stray bytes`;
  return nodes;
}

/** A DHT section body as c-toxcore writes it, for a node list. */
export function encodeDhtSection(nodes: readonly PackedNode[]): Bytes {
  const packed = encodePackedNodes(nodes);
  return new Writer(12 + packed.length)
    .u32le(DHT_STATE_COOKIE_GLOBAL)
    .u32le(packed.length)
    .u32le(((DHT_STATE_COOKIE_TYPE << 16) | DHT_STATE_TYPE_NODES) >>> 0)
    .bytes(packed)
    .finish();
}

/** NodesSection values built from node lists (for profiles we write ourselves). */
export function dhtNodesSection(nodes: readonly PackedNode[]): NodesSection {
  return { raw: encodeDhtSection(nodes), nodes: [...nodes] };
}
export function tcpRelaysSection(nodes: readonly PackedNode[]): NodesSection {
  if (nodes.length > NUM_SAVED_TCP_RELAYS) throw new Error(`savedata: at most ${NUM_SAVED_TCP_RELAYS} TCP relays`);
  return { raw: encodePackedNodes(nodes), nodes: [...nodes] };
}
export function pathNodesSection(nodes: readonly PackedNode[]): NodesSection {
  if (nodes.length > NUM_SAVED_PATH_NODES) throw new Error(`savedata: at most ${NUM_SAVED_PATH_NODES} path nodes`);
  if (nodes.some((n) => n.transport !== 'udp')) throw new Error('savedata: path nodes are UDP nodes');
  return { raw: encodePackedNodes(nodes), nodes: [...nodes] };
}

const TOX_ESAVE_MAGIC = [0x74, 0x6f, 0x78, 0x45, 0x73, 0x61, 0x76, 0x65]; // "toxEsave"

/**
 * Parses savedata. Needs `crypto` to re-derive the public key from the secret key, as
 * c-toxcore does. Never throws.
 */
export function parseSavedata(crypto: Crypto, bytes: Bytes): SavedataResult {
  if (bytes.length >= 8 && TOX_ESAVE_MAGIC.every((c, i) => bytes[i] === c)) {
    return fail('encrypted', 'this is an encrypted save ("toxEsave"); decrypt it with its passphrase first');
  }
  if (bytes.length < 8) return fail('truncated', `${bytes.length} bytes, shorter than the 8-byte header`);
  const r = new Reader(bytes);
  const zero = r.u32le();
  const magic = r.u32le();
  if (zero === 0 && magic === 0x1f1bed15) {
    return fail('big-endian', 'header is byte-swapped: written by c-toxcore on a big-endian host, which little-endian c-toxcore also refuses');
  }
  if (zero !== 0 || magic !== STATE_COOKIE_GLOBAL) {
    return fail('bad-magic', `header is ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('')}, expected 000000001f1bed15`);
  }

  const warnings: string[] = [];
  let moreWarnings = 0;
  const warn = (w: string) => {
    if (warnings.length < MAX_SAVEDATA_WARNINGS) warnings.push(w);
    else moreWarnings++;
  };
  let droppedUnknown = 0;
  let droppedUnknownBytes = 0;
  let keptUnknownBytes = 0;
  let keys: ProfileKeys | null = null;
  const friends: SavedFriend[] = [];
  const policies: FriendPolicyEntry[] = [];
  let name: Bytes = new Uint8Array(0);
  let statusMessage: Bytes = new Uint8Array(0);
  let userStatus = 0;
  let dht: NodesSection | null = null;
  let tcpRelays: NodesSection | null = null;
  let pathNodes: NodesSection | null = null;
  let conferences: Bytes | null = null;
  const unknownSections: UnknownSection[] = [];
  let anchorIndex = -1;
  let trailer: Bytes = new Uint8Array(0);

  while (r.remaining > 0) {
    const at = r.pos;
    if (r.remaining < 8) return fail('truncated', `${r.remaining} stray bytes at offset ${at}, too short for a section header`);
    const len = r.u32le();
    const typeWord = r.u32le();
    const type = typeWord & 0xffff;
    if (len > r.remaining) {
      return fail('truncated', `section ${sectionName(type)} at offset ${at} declares ${len} bytes but only ${r.remaining} remain`);
    }
    if (typeWord >>> 16 !== STATE_COOKIE_TYPE) {
      return fail('bad-section-framing', `section at offset ${at} has cookie 0x${(typeWord >>> 16).toString(16).padStart(4, '0')}, expected 0x01ce`);
    }
    // A view: only what is kept is copied (a huge section that is dropped costs nothing).
    const view = bytes.subarray(r.pos, r.pos + len);
    r.pos += len;
    const body = (): Bytes => view.slice();
    const orderIndex = SECTION_ORDER.indexOf(type);
    if (orderIndex > anchorIndex) anchorIndex = orderIndex;

    switch (type) {
      case SECTION_TYPE.END:
        if (len !== 0) return fail('bad-section-framing', `END section at offset ${at} has length ${len}, expected 0`);
        if (r.remaining <= MAX_KEPT_TRAILER_BYTES) trailer = r.rest();
        else warn(`${r.remaining} bytes after the END section dropped (c-toxcore ignores them; toxstate keeps at most ${MAX_KEPT_TRAILER_BYTES})`);
        break;
      case SECTION_TYPE.NOSPAMKEYS: {
        if (len !== NOSPAMKEYS_SIZE_BYTES) return fail('bad-keys-length', `NOSPAMKEYS section has ${len} bytes, expected ${NOSPAMKEYS_SIZE_BYTES}`);
        const nospam = view.slice(0, NOSPAM_SIZE_BYTES);
        const publicKey = view.slice(NOSPAM_SIZE_BYTES, NOSPAM_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES);
        const secretKey = view.slice(NOSPAM_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES);
        if (!equalBytes(crypto.publicKeyFromSecret(secretKey), publicKey)) {
          return fail('key-mismatch', 'the public key in NOSPAMKEYS does not derive from the secret key');
        }
        keys = { nospam, publicKey, secretKey };
        break;
      }
      case SECTION_TYPE.FRIENDS: {
        if (len % FRIEND_RECORD_SIZE_BYTES !== 0) {
          return fail('bad-friend-record-length', `FRIENDS section has ${len} bytes, not a multiple of the ${FRIEND_RECORD_SIZE_BYTES}-byte record`);
        }
        for (let i = 0; i < len / FRIEND_RECORD_SIZE_BYTES; i++) {
          const f = decodeFriendRecord(view.subarray(i * FRIEND_RECORD_SIZE_BYTES, (i + 1) * FRIEND_RECORD_SIZE_BYTES));
          if (!f.ok) return fail('bad-friend-record', `friend #${friends.length}: ${f.error}`);
          friends.push(f.value);
        }
        break;
      }
      case SECTION_TYPE.NAME:
        // c-toxcore loads 1..128 bytes; 0 is what it writes for an empty name.
        if (len <= MAX_NAME_LENGTH_BYTES) name = body();
        else warn(`NAME section of ${len} bytes ignored (c-toxcore loads at most ${MAX_NAME_LENGTH_BYTES})`);
        break;
      case SECTION_TYPE.STATUSMESSAGE:
        if (len <= MAX_STATUSMESSAGE_LENGTH_BYTES) statusMessage = body();
        else warn(`STATUSMESSAGE section of ${len} bytes ignored (c-toxcore loads at most ${MAX_STATUSMESSAGE_LENGTH_BYTES})`);
        break;
      case SECTION_TYPE.STATUS:
        if (len === 1 && view[0]! < 3) userStatus = view[0]!;
        else warn(`STATUS section ${len === 1 ? `value ${view[0]}` : `of ${len} bytes`} ignored`);
        break;
      case SECTION_TYPE.DHT: {
        const nodes = decodeDhtSection(view);
        if (typeof nodes === 'string') warn(`DHT section kept raw: ${nodes}`);
        dht = { raw: body(), nodes: typeof nodes === 'string' ? null : nodes };
        break;
      }
      case SECTION_TYPE.TCP_RELAY: {
        const nodes = readNodeList(view, NUM_SAVED_TCP_RELAYS, true);
        if (typeof nodes === 'string') warn(`TCP_RELAY section kept raw: ${nodes}`);
        tcpRelays = { raw: body(), nodes: typeof nodes === 'string' ? null : nodes };
        break;
      }
      case SECTION_TYPE.PATH_NODE: {
        const nodes = readNodeList(view, NUM_SAVED_PATH_NODES, false);
        if (typeof nodes === 'string') warn(`PATH_NODE section kept raw: ${nodes}`);
        pathNodes = { raw: body(), nodes: typeof nodes === 'string' ? null : nodes };
        break;
      }
      case SECTION_TYPE.CONFERENCES:
        conferences = body();
        break;
      case FRIEND_POLICIES_SECTION_TYPE: {
        const entries = decodeFriendPolicies(view);
        if (!entries.ok) return fail('bad-friend-policies', entries.error);
        policies.push(...entries.value);
        break;
      }
      default:
        if (unknownSections.length < MAX_KEPT_UNKNOWN_SECTIONS && keptUnknownBytes + len <= MAX_KEPT_UNKNOWN_BYTES) {
          keptUnknownBytes += len;
          unknownSections.push({ type, body: body(), afterType: anchorIndex >= 0 ? SECTION_ORDER[anchorIndex]! : null });
        } else {
          droppedUnknown++;
          droppedUnknownBytes += len;
        }
    }
    if (type === SECTION_TYPE.END) break;
  }
  if (keys === null) return fail('missing-keys', 'no NOSPAMKEYS section: the profile has no identity');
  const withPolicies = applyFriendPolicies(friends, policies, warn);
  if (!withPolicies.ok) return fail('bad-friend-policies', withPolicies.error);
  if (droppedUnknown > 0) {
    warnings.push(
      `${droppedUnknown} unknown section${droppedUnknown === 1 ? '' : 's'} (${droppedUnknownBytes} bytes) dropped: toxstate keeps at most ` +
        `${MAX_KEPT_UNKNOWN_SECTIONS} unknown sections and ${MAX_KEPT_UNKNOWN_BYTES} bytes of them (c-toxcore keeps none)`,
    );
  }
  if (moreWarnings > 0) warnings.push(`… and ${moreWarnings} more warning${moreWarnings === 1 ? '' : 's'}`);
  return {
    ok: true,
    warnings,
    value: { keys, friends: withPolicies.value, name, statusMessage, userStatus, dht, tcpRelays, pathNodes, conferences, unknownSections, trailer },
  };
}

function writeSection(w: Writer, type: number, body: Bytes): void {
  w.u32le(body.length).u32le(((STATE_COOKIE_TYPE << 16) | type) >>> 0).bytes(body);
}

/**
 * Serializes a profile: known sections in 0.2.18's order (NOSPAMKEYS, FRIENDS, NAME,
 * STATUSMESSAGE and STATUS always; DHT, TCP_RELAY, PATH_NODE, CONFERENCES when present), unknown
 * sections after their anchor, END, then the trailer. Throws when a field breaks its limit.
 */
export function serializeSavedata(p: Profile): Bytes {
  const k = p.keys;
  if (k.nospam.length !== NOSPAM_SIZE_BYTES || k.publicKey.length !== PUBLIC_KEY_SIZE_BYTES || k.secretKey.length !== SECRET_KEY_SIZE_BYTES) {
    throw new Error('savedata: keys must be nospam 4, public 32, secret 32 bytes');
  }
  if (p.name.length > MAX_NAME_LENGTH_BYTES) throw new Error(`savedata: name longer than ${MAX_NAME_LENGTH_BYTES} bytes`);
  if (p.statusMessage.length > MAX_STATUSMESSAGE_LENGTH_BYTES) throw new Error(`savedata: status message longer than ${MAX_STATUSMESSAGE_LENGTH_BYTES} bytes`);
  if (!Number.isInteger(p.userStatus) || p.userStatus < 0 || p.userStatus > 255) throw new Error('savedata: userStatus must be a byte');
  for (const u of p.unknownSections) {
    if (!Number.isInteger(u.type) || u.type < 0 || u.type > 0xffff || SECTION_NAMES[u.type] !== undefined) {
      throw new Error(`savedata: unknown section type ${u.type} is not a free u16`);
    }
  }
  const w = new Writer(4096);
  w.u32le(0).u32le(STATE_COOKIE_GLOBAL);
  const unknownAfter = (t: number | null) => {
    for (const u of p.unknownSections) if (u.afterType === t) writeSection(w, u.type, u.body);
  };
  unknownAfter(null);
  for (const type of SECTION_ORDER) {
    switch (type) {
      case SECTION_TYPE.NOSPAMKEYS:
        writeSection(w, type, new Writer(NOSPAMKEYS_SIZE_BYTES).bytes(k.nospam).bytes(k.publicKey).bytes(k.secretKey).finish());
        break;
      case SECTION_TYPE.DHT:
        if (p.dht) writeSection(w, type, p.dht.raw);
        break;
      case SECTION_TYPE.FRIENDS: {
        const fw = new Writer(FRIEND_RECORD_SIZE_BYTES * Math.max(1, p.friends.length));
        for (const f of p.friends) fw.bytes(encodeFriendRecord(f));
        writeSection(w, type, fw.finish());
        const policies = encodeFriendPolicies(p.friends);
        if (policies) writeSection(w, FRIEND_POLICIES_SECTION_TYPE, policies);
        break;
      }
      case SECTION_TYPE.NAME:
        writeSection(w, type, p.name);
        break;
      case SECTION_TYPE.STATUSMESSAGE:
        writeSection(w, type, p.statusMessage);
        break;
      case SECTION_TYPE.STATUS:
        writeSection(w, type, Uint8Array.of(p.userStatus));
        break;
      case SECTION_TYPE.TCP_RELAY:
        if (p.tcpRelays) writeSection(w, type, p.tcpRelays.raw);
        break;
      case SECTION_TYPE.PATH_NODE:
        if (p.pathNodes) writeSection(w, type, p.pathNodes.raw);
        break;
      case SECTION_TYPE.CONFERENCES:
        if (p.conferences) writeSection(w, type, p.conferences);
        break;
    }
    unknownAfter(type);
  }
  for (const u of p.unknownSections) {
    if (u.afterType !== null && !SECTION_ORDER.includes(u.afterType)) writeSection(w, u.type, u.body);
  }
  writeSection(w, SECTION_TYPE.END, new Uint8Array(0));
  w.bytes(p.trailer);
  return w.finish();
}
