/**
 * The keyless half of the dissector: what one datagram is (its kind, from packet-ids.ts), the
 * header fields it carries in the clear, and whether its size and structure are valid for our
 * decoders (docs/protocol.md §2–§4; the sizes c-toxcore 0.2.18 accepts). No keys, no crypto: the
 * boxes are only measured. Never throws on any input bytes.
 *
 * The datagram's layout is the one of its kind; see each codec's header for the table. What this
 * file adds is the mapping from layout to printed fields:
 *
 * | kind                                   | clear fields printed                                         |
 * |----------------------------------------|--------------------------------------------------------------|
 * | ping/nodes/data_search… (DHT frame)    | sender_pk, nonce, box_size (+ nodes_bytes)                   |
 * | cookie_request                         | sender_pk (DHT), nonce, box_size                              |
 * | cookie_response                        | nonce, box_size                                              |
 * | handshake                              | cookie, nonce, box_size                                      |
 * | crypto_data                            | nonce_tail (low 2 nonce bytes), box_size, padded_payload_size|
 * | dht_request                            | receiver_pk, sender_pk, nonce, box_size                      |
 * | lan_discovery                          | sender_pk                                                    |
 * | onion_request_0/1/2                    | nonce, sender_pk / path_pk, layer_sizes, payload_size, return_size |
 * | announce_request(_new)                 | nonce, sender_pk, box_size, return_size                      |
 * | announce_response(_new)                | sendback, nonce, box_size, nodes_bytes                       |
 * | onion_data_request                     | dest_pk, nonce, temp_pk, box_size, data_size, return_size    |
 * | onion_data_response                    | nonce, temp_pk, box_size, data_size                          |
 * | onion_response_3/2/1                   | return_size, payload_size, payload (dissected R)             |
 * | forward_request / forwarding / reply   | dest_pk or sendback_size, data_size                          |
 * | bootstrap_info                         | form, version, motd                                          |
 * | unknown                                | first_byte                                                   |
 *
 * Sizes are in bytes. `box_size` counts MAC + ciphertext. For onion requests, `layer_sizes` lists
 * the boxes the relays open from this hop on (this relay's first; MAC included), and
 * `payload_size` is L, the payload for the destination (a 177-byte 0x83 gives 346/279/212).
 */
import { Reader, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { DHT_HEADER_SIZE_BYTES, decodeDhtHeader } from '../dht/dht-header.js';
import { decodeDhtRequestHeader } from '../dht/dht-request.js';
import { decodeLanDiscovery } from '../dht/lan-discovery.js';
import { NODES_REQUEST_SIZE_BYTES } from '../dht/nodes-request.js';
import { NODES_RESPONSE_MAX_SIZE_BYTES, NODES_RESPONSE_MIN_SIZE_BYTES } from '../dht/nodes-response.js';
import { PING_PACKET_SIZE_BYTES } from '../dht/ping.js';
import { COOKIE_RESPONSE_SIZE_BYTES } from '../net-crypto/constants.js';
import { decodeCookieRequestHeader } from '../net-crypto/cookie-request.js';
import { decodeCryptoDataHeader } from '../net-crypto/crypto-data.js';
import { decodeHandshakeHeader } from '../net-crypto/handshake.js';
import { ANNOUNCE_REQUEST_WITH_RETURN_SIZE_BYTES, decodeAnnounceRequestHeader } from '../onion/announce-request.js';
import { ANNOUNCE_RESPONSE_MIN_SIZE_BYTES, decodeAnnounceResponseHeader } from '../onion/announce-response.js';
import {
  ONION_ANNOUNCE_SENDBACK_SIZE_BYTES,
  ONION_IP_PORT_SIZE_BYTES,
  ONION_RETURN_3_SIZE_BYTES,
  ONION_SEND_BASE_SIZE_BYTES,
} from '../onion/constants.js';
import { decodeOnionDataRequest, ONION_DATA_REQUEST_OVERHEAD_BYTES } from '../onion/onion-data-request.js';
import { decodeOnionDataResponse, ONION_DATA_RESPONSE_OVERHEAD_BYTES } from '../onion/onion-data-response.js';
import {
  decodeOnionRequestHeader,
  ONION_REQUEST_0_OVERHEAD_BYTES,
  ONION_REQUEST_1_OVERHEAD_BYTES,
  ONION_REQUEST_2_OVERHEAD_BYTES,
} from '../onion/onion-request.js';
import { decodeOnionResponse } from '../onion/onion-response.js';
import { MAX_SENT_NODES, PACKED_NODE_IPV4_SIZE_BYTES, PACKED_NODE_IPV6_SIZE_BYTES } from '../packed-node.js';
import { packetKind, type PacketKind } from '../packet-ids.js';
import { hexUpper, type MutableJsonObject } from './json.js';

/** Layer 3's box around the payload: IP_Port 19 + MAC 16 (c-toxcore `create_onion_packet`). */
const ONION_LAYER_3_OVERHEAD_BYTES = ONION_IP_PORT_SIZE_BYTES + MAC_SIZE_BYTES;

/** `MAX_SENDBACK_SIZE` (forwarding.h): 0xff − 1. */
const MAX_SENDBACK_SIZE_BYTES = 254;
/** `MAX_UDP_PACKET_SIZE` (network.h). */
const MAX_UDP_PACKET_SIZE_BYTES = 2048;
/** `MAX_FORWARD_DATA_SIZE` (forwarding.h): 2048 − (1 + 1 + 254). */
const MAX_FORWARD_DATA_SIZE_BYTES = MAX_UDP_PACKET_SIZE_BYTES - (1 + 1 + MAX_SENDBACK_SIZE_BYTES);
/** `TIMED_AUTH_SIZE` (timed_auth.h): the HMAC every non-empty forwarding sendback starts with. */
const TIMED_AUTH_SIZE_BYTES = 32;
/** `INFO_REQUEST_PACKET_LENGTH` (other/bootstrap_node_packets.c): a bootstrap-info request is exactly this long. */
const BOOTSTRAP_INFO_REQUEST_SIZE_BYTES = 78;
/** `MAX_MOTD_LENGTH` (other/bootstrap_node_packets.h). */
const BOOTSTRAP_INFO_MAX_MOTD_BYTES = 256;
/** id 1 + version u32. */
const BOOTSTRAP_INFO_RESPONSE_MIN_SIZE_BYTES = 5;
/**
 * Announce-store packets 0x93..0x98 (announce.c `create_reply`, DHT.c `send_announce_ping`) use
 * the DHT frame; the plaintext must hold at least the 8-byte ping id at its end.
 */
const ANNOUNCE_STORE_MIN_PLAIN_BYTES = 8;
/** Data search request plaintext (announce.c): data pk 32 (+ previous hash 32) + ping id 8. */
const DATA_SEARCH_REQUEST_SIZES_BYTES = [DHT_HEADER_SIZE_BYTES + 32 + 8 + MAC_SIZE_BYTES, DHT_HEADER_SIZE_BYTES + 64 + 8 + MAC_SIZE_BYTES];
/** Data retrieve request plaintext (announce.c): data pk 32 + 0 byte + timed auth 32 + ping id 8. */
const DATA_RETRIEVE_REQUEST_SIZE_BYTES = DHT_HEADER_SIZE_BYTES + 32 + 1 + 32 + 8 + MAC_SIZE_BYTES;
/** `ONION_MAX_EXTRA_DATA_SIZE` (onion_announce.h): the extra bytes the 0x87/0x88 forms may carry. */
const ONION_MAX_EXTRA_DATA_SIZE_BYTES = 136;
/** 0x87 as the announce node receives it: the 0x83 size 177 + RETURN_3 (+ 1..136 extra bytes in the group form). */
const ANNOUNCE_REQUEST_NEW_MIN_SIZE_BYTES = ANNOUNCE_REQUEST_WITH_RETURN_SIZE_BYTES;
const ANNOUNCE_REQUEST_NEW_MAX_SIZE_BYTES = ANNOUNCE_REQUEST_NEW_MIN_SIZE_BYTES + ONION_MAX_EXTRA_DATA_SIZE_BYTES;
/** 0x88 (`ONION_ANNOUNCE_RESPONSE_MIN_SIZE` / `_MAX_SIZE`, onion_announce.h): the 0x84 minimum 82. */
const ANNOUNCE_RESPONSE_NEW_MIN_SIZE_BYTES = ANNOUNCE_RESPONSE_MIN_SIZE_BYTES;
const ANNOUNCE_RESPONSE_NEW_MAX_SIZE_BYTES = ANNOUNCE_RESPONSE_NEW_MIN_SIZE_BYTES + ONION_MAX_EXTRA_DATA_SIZE_BYTES * 4;

export interface Description {
  readonly kind: PacketKind | 'unknown';
  /** Clear header fields, in print order. */
  readonly fields: MutableJsonObject;
  /** Why the datagram is not valid for our decoder, or null when it is. */
  readonly error: string | null;
  /** The response payload R an onion response carries (dissected on its own by the caller). */
  readonly inner?: Bytes;
}

type Describer = (b: Bytes, fields: MutableJsonObject) => { error: string | null; inner?: Bytes };

const sizeError = (what: string, size: number, expected: string): string => `${what}: ${size} bytes, expected ${expected}`;

/** The DHT frame: [id][sender pk][nonce][box]; `check` adds the per-kind size rule. */
function dhtFrame(what: string, check: (size: number) => string | null, nodes = false): Describer {
  return (b, f) => {
    const h = decodeDhtHeader(b);
    if (!h.ok) return { error: h.error };
    f.sender_pk = hexUpper(h.value.senderPk);
    f.nonce = hexUpper(h.value.nonce);
    f.box_size = h.value.box.length;
    if (nodes) f.nodes_bytes = Math.max(0, b.length - NODES_RESPONSE_MIN_SIZE_BYTES);
    const problem = check(b.length);
    return { error: problem === null ? null : `${what}: ${problem}` };
  };
}

const exactly =
  (...sizes: number[]) =>
  (n: number): string | null =>
    sizes.includes(n) ? null : `${n} bytes, expected ${sizes.join(' or ')}`;

const atLeast =
  (min: number) =>
  (n: number): string | null =>
    n >= min ? null : `${n} bytes, expected at least ${min}`;

/** A nodes area of `n` bytes holds a+b nodes with 39a + 51b = n and a + b ≤ 4. */
function nodesAreaFits(n: number): boolean {
  for (let v6 = 0; v6 <= MAX_SENT_NODES; v6++) {
    const rest = n - PACKED_NODE_IPV6_SIZE_BYTES * v6;
    if (rest >= 0 && rest % PACKED_NODE_IPV4_SIZE_BYTES === 0 && rest / PACKED_NODE_IPV4_SIZE_BYTES + v6 <= MAX_SENT_NODES) return true;
  }
  return false;
}

const nodesResponseSize = (n: number): string | null => {
  if (n < NODES_RESPONSE_MIN_SIZE_BYTES || n > NODES_RESPONSE_MAX_SIZE_BYTES) {
    return `${n} bytes, expected ${NODES_RESPONSE_MIN_SIZE_BYTES}..${NODES_RESPONSE_MAX_SIZE_BYTES}`;
  }
  return nodesAreaFits(n - NODES_RESPONSE_MIN_SIZE_BYTES) ? null : `${n} bytes: ${n - NODES_RESPONSE_MIN_SIZE_BYTES} bytes cannot be 0..4 packed nodes`;
};

function onionRequest(hop: 0 | 1 | 2): Describer {
  const overhead = hop === 0 ? ONION_REQUEST_0_OVERHEAD_BYTES : hop === 1 ? ONION_REQUEST_1_OVERHEAD_BYTES : ONION_REQUEST_2_OVERHEAD_BYTES;
  return (b, f) => {
    const h = decodeOnionRequestHeader(b);
    if (!h.ok) return { error: h.error };
    const payload = b.length - overhead;
    f.nonce = hexUpper(h.value.nonce);
    f[hop === 0 ? 'sender_pk' : 'path_pk'] = hexUpper(h.value.publicKey);
    // The box this relay opens, then the ones inside it, down to layer 3 around the payload.
    const sizes: number[] = [];
    for (let layer = hop; layer <= 2; layer++) sizes.push(ONION_LAYER_3_OVERHEAD_BYTES + payload + ONION_SEND_BASE_SIZE_BYTES * (2 - layer));
    f.layer_sizes = sizes;
    f.payload_size = payload;
    if (h.value.returnBlob) f.return_size = h.value.returnBlob.length;
    return { error: null };
  };
}

const DESCRIBERS: Readonly<Record<PacketKind, Describer>> = {
  ping_request: dhtFrame('ping request', exactly(PING_PACKET_SIZE_BYTES)),
  ping_response: dhtFrame('ping response', exactly(PING_PACKET_SIZE_BYTES)),
  nodes_request: dhtFrame('nodes request', exactly(NODES_REQUEST_SIZE_BYTES)),
  nodes_response: dhtFrame('nodes response', nodesResponseSize, true),
  cookie_request: (b, f) => {
    const h = decodeCookieRequestHeader(b);
    if (!h.ok) return { error: h.error };
    f.sender_pk = hexUpper(h.value.senderDhtPk);
    f.nonce = hexUpper(h.value.nonce);
    f.box_size = h.value.boxed.length;
    return { error: null };
  },
  cookie_response: (b, f) => {
    if (b.length !== COOKIE_RESPONSE_SIZE_BYTES) return { error: sizeError('cookie response', b.length, `${COOKIE_RESPONSE_SIZE_BYTES}`) };
    f.nonce = hexUpper(b.subarray(1, 1 + NONCE_SIZE_BYTES));
    f.box_size = b.length - 1 - NONCE_SIZE_BYTES;
    return { error: null };
  },
  handshake: (b, f) => {
    const h = decodeHandshakeHeader(b);
    if (!h.ok) return { error: h.error };
    f.cookie = hexUpper(h.value.cookie);
    f.nonce = hexUpper(h.value.nonce);
    f.box_size = h.value.boxed.length;
    return { error: null };
  },
  crypto_data: (b, f) => {
    const h = decodeCryptoDataHeader(b);
    if (!h.ok) return { error: h.error };
    f.nonce_tail = hexUpper(b.subarray(1, 3));
    f.box_size = h.value.boxed.length;
    // plain = buffer_start 4 ‖ packet_number 4 ‖ padding ‖ payload.
    f.padded_payload_size = h.value.boxed.length - MAC_SIZE_BYTES - 8;
    return { error: null };
  },
  dht_request: (b, f) => {
    const h = decodeDhtRequestHeader(b);
    if (!h.ok) return { error: h.error };
    f.receiver_pk = hexUpper(h.value.receiverPk);
    f.sender_pk = hexUpper(h.value.senderPk);
    f.nonce = hexUpper(h.value.nonce);
    f.box_size = h.value.box.length;
    return { error: null };
  },
  lan_discovery: (b, f) => {
    if (b.length >= 1 + PUBLIC_KEY_SIZE_BYTES) f.sender_pk = hexUpper(b.subarray(1, 1 + PUBLIC_KEY_SIZE_BYTES));
    const d = decodeLanDiscovery(b);
    return { error: d.ok ? null : d.error };
  },
  onion_request_0: onionRequest(0),
  onion_request_1: onionRequest(1),
  onion_request_2: onionRequest(2),
  announce_request: (b, f) => {
    const h = decodeAnnounceRequestHeader(b);
    if (!h.ok) return { error: h.error };
    f.nonce = hexUpper(h.value.nonce);
    f.sender_pk = hexUpper(h.value.senderPk);
    f.box_size = h.value.box.length;
    if (h.value.returnBlob) f.return_size = h.value.returnBlob.length;
    return { error: null };
  },
  announce_response: (b, f) => {
    const h = decodeAnnounceResponseHeader(b);
    if (!h.ok) return { error: h.error };
    f.sendback = hexUpper(h.value.sendback);
    f.nonce = hexUpper(h.value.nonce);
    f.box_size = h.value.box.length;
    f.nodes_bytes = b.length - ANNOUNCE_RESPONSE_MIN_SIZE_BYTES;
    return { error: nodesAreaFits(b.length - ANNOUNCE_RESPONSE_MIN_SIZE_BYTES) ? null : `announce response: ${b.length - ANNOUNCE_RESPONSE_MIN_SIZE_BYTES} bytes cannot be 0..4 packed nodes` };
  },
  onion_data_request: (b, f) => {
    // On the wire a 0x85 only travels from exit relay C to announce node D, RETURN_3 appended.
    const h = decodeOnionDataRequest(b, { withReturn: true });
    if (!h.ok) return { error: h.error };
    f.dest_pk = hexUpper(h.value.destRealPk);
    f.nonce = hexUpper(h.value.nonce);
    f.temp_pk = hexUpper(h.value.tempPk);
    f.box_size = h.value.box.length;
    f.data_size = b.length - ONION_RETURN_3_SIZE_BYTES - ONION_DATA_REQUEST_OVERHEAD_BYTES;
    f.return_size = ONION_RETURN_3_SIZE_BYTES;
    return { error: null };
  },
  onion_data_response: (b, f) => {
    const h = decodeOnionDataResponse(b);
    if (!h.ok) return { error: h.error };
    f.nonce = hexUpper(h.value.nonce);
    f.temp_pk = hexUpper(h.value.tempPk);
    f.box_size = h.value.box.length;
    f.data_size = b.length - ONION_DATA_RESPONSE_OVERHEAD_BYTES;
    return { error: null };
  },
  announce_request_new: (b, f) => {
    if (b.length >= 1 + NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES) {
      f.nonce = hexUpper(b.subarray(1, 1 + NONCE_SIZE_BYTES));
      f.sender_pk = hexUpper(b.subarray(1 + NONCE_SIZE_BYTES, 1 + NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES));
    }
    if (b.length < ANNOUNCE_REQUEST_NEW_MIN_SIZE_BYTES || b.length > ANNOUNCE_REQUEST_NEW_MAX_SIZE_BYTES) {
      return { error: sizeError('announce request (0x87)', b.length, `${ANNOUNCE_REQUEST_NEW_MIN_SIZE_BYTES}..${ANNOUNCE_REQUEST_NEW_MAX_SIZE_BYTES} (with RETURN_3)`) };
    }
    f.box_size = b.length - ONION_RETURN_3_SIZE_BYTES - 1 - NONCE_SIZE_BYTES - PUBLIC_KEY_SIZE_BYTES;
    f.return_size = ONION_RETURN_3_SIZE_BYTES;
    return { error: null };
  },
  announce_response_new: (b, f) => {
    if (b.length >= 1 + ONION_ANNOUNCE_SENDBACK_SIZE_BYTES + NONCE_SIZE_BYTES) {
      f.sendback = hexUpper(b.subarray(1, 1 + ONION_ANNOUNCE_SENDBACK_SIZE_BYTES));
      f.nonce = hexUpper(b.subarray(1 + ONION_ANNOUNCE_SENDBACK_SIZE_BYTES, 1 + ONION_ANNOUNCE_SENDBACK_SIZE_BYTES + NONCE_SIZE_BYTES));
      f.box_size = b.length - 1 - ONION_ANNOUNCE_SENDBACK_SIZE_BYTES - NONCE_SIZE_BYTES;
    }
    if (b.length < ANNOUNCE_RESPONSE_NEW_MIN_SIZE_BYTES || b.length > ANNOUNCE_RESPONSE_NEW_MAX_SIZE_BYTES) {
      return { error: sizeError('announce response (0x88)', b.length, `${ANNOUNCE_RESPONSE_NEW_MIN_SIZE_BYTES}..${ANNOUNCE_RESPONSE_NEW_MAX_SIZE_BYTES}`) };
    }
    return { error: null };
  },
  onion_response_3: onionResponse,
  onion_response_2: onionResponse,
  onion_response_1: onionResponse,
  forward_request: (b, f) => {
    if (b.length < 1 + PUBLIC_KEY_SIZE_BYTES) return { error: sizeError('forward request', b.length, `at least ${1 + PUBLIC_KEY_SIZE_BYTES}`) };
    f.dest_pk = hexUpper(b.subarray(1, 1 + PUBLIC_KEY_SIZE_BYTES));
    f.data_size = b.length - 1 - PUBLIC_KEY_SIZE_BYTES;
    return { error: b.length - 1 - PUBLIC_KEY_SIZE_BYTES > MAX_FORWARD_DATA_SIZE_BYTES ? `forward request: more than ${MAX_FORWARD_DATA_SIZE_BYTES} bytes of data` : null };
  },
  forwarding: (b, f) => forwardingShape('forwarding', b, f, 0),
  forward_reply: (b, f) => forwardingShape('forward reply', b, f, TIMED_AUTH_SIZE_BYTES + 1),
  data_search_request: dhtFrame('data search request', exactly(...DATA_SEARCH_REQUEST_SIZES_BYTES)),
  data_search_response: dhtFrame('data search response', atLeast(DHT_HEADER_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + 8 + MAC_SIZE_BYTES)),
  data_retrieve_request: dhtFrame('data retrieve request', exactly(DATA_RETRIEVE_REQUEST_SIZE_BYTES)),
  data_retrieve_response: dhtFrame('data retrieve response', atLeast(DHT_HEADER_SIZE_BYTES + ANNOUNCE_STORE_MIN_PLAIN_BYTES + MAC_SIZE_BYTES)),
  store_announce_request: dhtFrame('store announce request', atLeast(DHT_HEADER_SIZE_BYTES + ANNOUNCE_STORE_MIN_PLAIN_BYTES + MAC_SIZE_BYTES)),
  store_announce_response: dhtFrame('store announce response', atLeast(DHT_HEADER_SIZE_BYTES + ANNOUNCE_STORE_MIN_PLAIN_BYTES + MAC_SIZE_BYTES)),
  bootstrap_info: (b, f) => {
    if (b.length === BOOTSTRAP_INFO_REQUEST_SIZE_BYTES) {
      f.form = 'request';
      return { error: null };
    }
    f.form = 'response';
    if (b.length < BOOTSTRAP_INFO_RESPONSE_MIN_SIZE_BYTES || b.length > BOOTSTRAP_INFO_RESPONSE_MIN_SIZE_BYTES + BOOTSTRAP_INFO_MAX_MOTD_BYTES) {
      return { error: sizeError('bootstrap info', b.length, `${BOOTSTRAP_INFO_REQUEST_SIZE_BYTES} (request) or ${BOOTSTRAP_INFO_RESPONSE_MIN_SIZE_BYTES}..${BOOTSTRAP_INFO_RESPONSE_MIN_SIZE_BYTES + BOOTSTRAP_INFO_MAX_MOTD_BYTES} (response)`) };
    }
    const r = new Reader(b);
    r.u8();
    f.version = r.u32();
    f.motd = new TextDecoder('utf-8', { fatal: false }).decode(r.rest()).replace(/\0+$/, '');
    return { error: null };
  },
};

function onionResponse(b: Bytes, f: MutableJsonObject): { error: string | null; inner?: Bytes } {
  const r = decodeOnionResponse(b);
  if (!r.ok) return { error: r.error };
  f.return_size = r.value.returnBlob.length;
  f.payload_size = r.value.data.length;
  return { error: null, inner: r.value.data };
}

/** 0x91 / 0x92: [id][sendback length 1][sendback][data] (forwarding.c). */
function forwardingShape(what: string, b: Bytes, f: MutableJsonObject, minSendback: number): { error: string | null } {
  if (b.length < 2) return { error: sizeError(what, b.length, 'at least 2') };
  const sendback = b[1]!;
  f.sendback_size = sendback;
  if (sendback > MAX_SENDBACK_SIZE_BYTES) return { error: `${what}: sendback of ${sendback} bytes is over ${MAX_SENDBACK_SIZE_BYTES}` };
  if (sendback < minSendback) return { error: `${what}: sendback of ${sendback} bytes is under ${minSendback}` };
  if (b.length < 2 + sendback) return { error: `${what}: ${b.length} bytes cannot hold a ${sendback}-byte sendback` };
  f.data_size = b.length - 2 - sendback;
  return { error: f.data_size > MAX_FORWARD_DATA_SIZE_BYTES ? `${what}: more than ${MAX_FORWARD_DATA_SIZE_BYTES} bytes of data` : null };
}

/** Kind, clear fields and validity of one datagram. Never throws. */
export function describeDatagram(bytes: Bytes): Description {
  if (bytes.length === 0) return { kind: 'unknown', fields: { first_byte: null }, error: 'empty datagram' };
  const kind = packetKind(bytes[0]!);
  const fields: MutableJsonObject = {};
  if (kind === 'unknown') {
    fields.first_byte = bytes[0]!;
    return { kind, fields, error: `unknown packet id 0x${bytes[0]!.toString(16).padStart(2, '0')}` };
  }
  const d = DESCRIBERS[kind](bytes, fields);
  return d.inner ? { kind, fields, error: d.error, inner: d.inner } : { kind, fields, error: d.error };
}
