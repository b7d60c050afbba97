/**
 * Announce node D, the serving side of onion announces (docs/protocol.md §3.4, §3.5; c-toxcore
 * 0.2.18 `toxcore/onion_announce.c` handle_announce_request_old / handle_data_request,
 * `toxcore/timed_auth.c`).
 *
 * 0x83 announce requests arrive from exit relay C in the 354-byte form (request ‖ RETURN_3).
 * ping_id = HMAC-SHA-512-256(key, u64 LE(unix s / 300) ‖ sender pk ‖ source IP_Port), with a
 * random per-engine key, accepted for the current and the previous 300 s window. A request
 * with a valid ping_id stores (or refreshes) an entry for its sender; otherwise the entry of
 * the searched key, if any, is looked up. The answer is a 0x84 sent back as
 * `[0x8c][RETURN_3][0x84…]` to C, with is_stored:
 *   0 + a fresh ping_id: no entry (or the store is full and the sender is not closer);
 *   2 + ping_id: the sender's own entry with the same data key; 0 + ping_id if the data key differs;
 *   1 + that entry's data key: the searched key is announced here (a search hit);
 * and the 4 nodes closest to the searched key from our DHT — to a source without a valid ping_id
 * only while a node-wide budget lasts (ANNOUNCE_FULL_ANSWERS_PER_S), then no more nodes than keep
 * the answer within the request's size (docs/reliability.md, amplification).
 * 0x85 data requests for a stored key are forwarded as 0x86 along the entry's return path.
 *
 * Replays (issue 13 item 9). A ping_id is bound to the sender's key and the exit relay's address,
 * not to the request, and the RETURN_3 appended by the exit relay is not authenticated at all: a
 * request captured by an exit relay (or by anyone who can send from its address and holds a
 * RETURN_3 it made) can be sent again, with another return path, for as long as its ping_id is
 * valid (up to 600 s). c-toxcore stores such a replay. Here the nonce of every request accepted
 * with a valid ping_id is remembered while that ping_id can be valid (this window and the next,
 * ANNOUNCE_REPLAY_MEMORY at most), and a request seen before is dropped
 * (`announce.request_replayed`): a replay changes nothing, and an entry lives no longer than 300 s
 * after its announcer's last real announce. A request without a valid ping_id changes nothing
 * either (c-toxcore's rule): only a stored or refreshed entry makes a friend's local sighting
 * (reported as `announce.friendSighted`, which the engine passes to the onion client:
 * friend-search.ts), so a replay of a friend's announce cannot point our own onion data elsewhere.
 *
 * Table: at most 160 entries (ONION_ANNOUNCE_MAX_ENTRIES), each living 300 s unless refreshed.
 * When full, a new sender replaces the entry farthest from our DHT key only if it is closer
 * (replacements counted under `announce.store_replaced`, refusals under `announce.store_full`).
 * The serialized form of the 19-byte IP_Port in the HMAC is toxstate's (c-toxcore hashes its
 * in-memory struct); ping_ids are opaque to clients, so this needs no agreement.
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { encodeOnionIpPort, isLanAddress, type IpPort } from '../../protocol/ip-port.js';
import { isValidPublicKey, xorDistanceCompare } from '../../protocol/keys.js';
import { packedNodeSize } from '../../protocol/packed-node.js';
import {
  ANNOUNCE_RESPONSE_MIN_SIZE_BYTES,
  decodeAnnounceRequestHeader,
  decodeOnionDataRequest,
  encodeOnionResponse,
  onionDataResponseFromRequest,
  openAnnounceRequest,
  sealAnnounceResponse,
} from '../../protocol/onion/index.js';
import type { LayerDeadline, TimedLayer } from '../layer.js';
import { ONION_ANNOUNCE_MAX_ENTRIES, ONION_ANNOUNCE_TIMEOUT_MS, ONION_PING_ID_WINDOW_S } from './constants.js';
import { toPackedNode, type AnnounceServerContext } from './context.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';

/**
 * Full answers (up to 4 nodes) per second to announce requests without a valid ping_id, for the
 * whole node; beyond, an answer carries only the nodes that keep it no larger than its request.
 * toxstate's own bound on amplification (c-toxcore always answers with up to 4 nodes: 416 bytes
 * for a 354-byte request with IPv4 nodes, 464 with IPv6).
 */
export const ANNOUNCE_FULL_ANSWERS_PER_S = 64;
/** Burst of that budget. */
export const ANNOUNCE_FULL_ANSWERS_BURST = 256;
/**
 * Nonces of accepted announce requests remembered (replay guard, see the header); beyond it the
 * oldest is forgotten (counted: `announce.replay_memory_evicted`). An announcer re-announces
 * every 15 s at most once stored, 40 requests per 600 s: this covers 160 entries at 25 each.
 */
export const ANNOUNCE_REPLAY_MEMORY = 4096;

export interface AnnounceEntry {
  /** The announcer's real public key. */
  readonly pk: Bytes;
  readonly pkHex: string;
  /** Where the announce came from (exit relay C): the 0x8c goes there. */
  retIpPort: IpPort;
  /** RETURN_3 of the announcer's path. */
  ret: Bytes;
  /** The announcer's temporary data key (0x85 senders encrypt to it). */
  dataPk: Bytes;
  /** Engine time of the last valid announce. */
  announcedAt: number;
}

export class AnnounceServer implements TimedLayer {
  private readonly hmacKey: Bytes;
  private readonly entries = new Map<string, AnnounceEntry>();
  /** sender hex ‖ nonce hex → ping_id window of acceptance, oldest first (replay guard). */
  private readonly acceptedNonces = new Map<string, number>();
  /** Node-wide budget of full answers to unverified sources (one counter, no table). */
  private readonly fullAnswers = { tokens: ANNOUNCE_FULL_ANSWERS_BURST, at: 0 };

  constructor(private readonly ctx: AnnounceServerContext) {
    this.hmacKey = ctx.random.bytes(32);
  }

  /** Live entries (tests, diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /** The live entry for a real key, if any. */
  entry(pkHex: string): AnnounceEntry | undefined {
    const e = this.entries.get(pkHex);
    return e && !this.isExpired(e, this.ctx.now) ? e : undefined;
  }

  private isExpired(e: AnnounceEntry, now: number): boolean {
    return now - e.announcedAt >= ONION_ANNOUNCE_TIMEOUT_MS;
  }

  handlePacket(from: IpPort, data: Bytes): void {
    if (data[0] === PACKET_ID.announce_request) this.handleAnnounce(from, data);
    else this.handleData(data);
  }

  // ---- ping_id (timed_auth.c) --------------------------------------------------------------

  /** The ping_id of a window offset (0 = current, 1 = previous) for a sender seen from `source`. */
  pingId(senderPk: Bytes, source: IpPort, windowsBack = 0): Bytes {
    const window = BigInt(Math.floor(this.ctx.unixSeconds() / ONION_PING_ID_WINDOW_S) - windowsBack);
    const ip = encodeOnionIpPort(source);
    const msg = new Uint8Array(8 + senderPk.length + ip.length);
    new DataView(msg.buffer).setBigUint64(0, BigInt.asUintN(64, window), true);
    msg.set(senderPk, 8);
    msg.set(ip, 8 + senderPk.length);
    return this.ctx.crypto.hmacSha512_256(this.hmacKey, msg);
  }

  private currentWindow(): number {
    return Math.floor(this.ctx.unixSeconds() / ONION_PING_ID_WINDOW_S);
  }

  /**
   * Remembers an accepted request's nonce; false when it was accepted before (a replay). A
   * nonce accepted in window w can come back with a valid ping_id only until window w + 1 ends.
   */
  private firstSeen(senderPk: Bytes, nonce: Bytes): boolean {
    const window = this.currentWindow();
    for (const [k, w] of this.acceptedNonces) {
      if (w >= window - 1) break;
      this.acceptedNonces.delete(k);
    }
    const key = toHex(senderPk) + toHex(nonce);
    if (this.acceptedNonces.has(key)) return false;
    if (this.acceptedNonces.size >= ANNOUNCE_REPLAY_MEMORY) {
      this.acceptedNonces.delete(this.acceptedNonces.keys().next().value as string);
      this.ctx.count('announce.replay_memory_evicted');
    }
    this.acceptedNonces.set(key, window);
    return true;
  }

  private isPingIdValid(pingId: Bytes, senderPk: Bytes, source: IpPort): boolean {
    return equalBytes(pingId, this.pingId(senderPk, source, 0)) || equalBytes(pingId, this.pingId(senderPk, source, 1));
  }

  // ---- 0x83 --------------------------------------------------------------------------------

  private handleAnnounce(from: IpPort, data: Bytes): void {
    const h = decodeAnnounceRequestHeader(data);
    if (!h.ok) return this.ctx.drop('announce.request_malformed');
    const header = h.value;
    // c-toxcore 0.2.18 handles 0x83 only in the 354-byte form (handle_announce_request_old).
    if (!header.returnBlob) return this.ctx.drop('announce.request_without_return');
    // c-toxcore public_key_valid: the announcer's key (real or temporary) never has its top bit set.
    if (!isValidPublicKey(header.senderPk)) return this.ctx.drop('announce.invalid_public_key');
    // Cached only once the request opens: garbage with random keys leaves nothing behind.
    const shared = this.ctx.keys.dhtSharedTentative(header.senderPk);
    const r = openAnnounceRequest(this.ctx.crypto, shared, header);
    if (!r.ok) return this.ctx.drop('announce.request_invalid');
    this.ctx.keys.rememberDht(header.senderPk, shared);
    const req = r.value;
    const now = this.ctx.now;

    let entry: AnnounceEntry | undefined;
    const verified = this.isPingIdValid(req.pingId, header.senderPk, from);
    if (verified) {
      if (!this.firstSeen(header.senderPk, header.nonce)) return this.ctx.drop('announce.request_replayed');
      entry = this.store(from, header.senderPk, req.dataPk, header.returnBlob, now);
    } else {
      entry = this.entry(toHex(req.searchedPk));
    }

    const pingId = this.pingId(header.senderPk, from, 0);
    let isStored: number;
    let field: Bytes;
    if (!entry) {
      isStored = 0;
      field = pingId;
    } else if (equalBytes(entry.pk, header.senderPk)) {
      isStored = equalBytes(entry.dataPk, req.dataPk) ? 2 : 0;
      field = pingId;
    } else {
      isStored = 1;
      field = entry.dataPk;
      this.ctx.count('announce.search_hit');
    }
    let nodes = this.ctx.dht.closest(req.searchedPk, 4, { lan: isLanAddress(from) }).map(toPackedNode);
    // Amplification bound: a source not verified by a valid ping_id (a spoofed one, possibly)
    // gets a full answer only while the node-wide budget lasts; then only as many nodes as keep
    // the answer no larger than the request (2 IPv4 nodes: 338 bytes for 354).
    if (!verified && !this.takeFullAnswer(now)) {
      let size = 1 + header.returnBlob.length + ANNOUNCE_RESPONSE_MIN_SIZE_BYTES;
      const fit: typeof nodes = [];
      for (const n of nodes) {
        if (size + packedNodeSize(n) > data.length) break;
        size += packedNodeSize(n);
        fit.push(n);
      }
      nodes = fit;
      this.ctx.count('announce.answer_shortened');
    }
    const response = sealAnnounceResponse(this.ctx.crypto, shared, req.sendback, this.ctx.random.bytes(24), {
      isStored,
      pingIdOrDataPk: field,
      nodes,
    });
    this.ctx.count(`announce.answered_${isStored}`);
    this.ctx.send(from, encodeOnionResponse(3, header.returnBlob, response));

    // A friend announcing itself here, stored or refreshed by this very request (a valid ping_id,
    // a request not seen before): the onion client can reach it along this return path.
    if (verified && entry !== undefined && equalBytes(entry.pk, header.senderPk) && equalBytes(header.senderPk, req.searchedPk)) {
      const friend = this.ctx.friend(toHex(header.senderPk));
      if (friend) this.ctx.report({ type: 'announce.friendSighted', friend, retIpPort: from, ret: header.returnBlob, dataPk: req.dataPk });
    }
  }

  /** add_to_entries: refresh, fill a free or expired slot, or replace the farthest if closer. */
  private store(from: IpPort, pk: Bytes, dataPk: Bytes, ret: Bytes, now: number): AnnounceEntry | undefined {
    const pkHex = toHex(pk);
    const existing = this.entries.get(pkHex);
    if (existing) {
      existing.retIpPort = from;
      existing.ret = ret;
      existing.dataPk = dataPk;
      existing.announcedAt = now;
      // Kept in the order of announcedAt (the map's order): the first entry expires first.
      this.entries.delete(pkHex);
      this.entries.set(pkHex, existing);
      return existing;
    }
    if (this.entries.size >= ONION_ANNOUNCE_MAX_ENTRIES) this.purge(now);
    if (this.entries.size >= ONION_ANNOUNCE_MAX_ENTRIES) {
      const own = this.ctx.keys.dht.publicKey;
      let farthest: AnnounceEntry | undefined;
      for (const e of this.entries.values()) if (!farthest || xorDistanceCompare(own, e.pk, farthest.pk) > 0) farthest = e;
      if (!farthest || xorDistanceCompare(own, pk, farthest.pk) >= 0) {
        this.ctx.count('announce.store_full');
        return undefined;
      }
      this.entries.delete(farthest.pkHex);
      this.ctx.count('announce.store_replaced');
    }
    const e: AnnounceEntry = { pk, pkHex, retIpPort: from, ret, dataPk, announcedAt: now };
    this.entries.set(pkHex, e);
    this.ctx.count('announce.stored');
    return e;
  }

  private takeFullAnswer(now: number): boolean {
    const b = this.fullAnswers;
    b.tokens = Math.min(ANNOUNCE_FULL_ANSWERS_BURST, b.tokens + (Math.max(0, now - b.at) * ANNOUNCE_FULL_ANSWERS_PER_S) / 1000);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  // ---- 0x85 --------------------------------------------------------------------------------

  private handleData(data: Bytes): void {
    const h = decodeOnionDataRequest(data, { withReturn: true });
    if (!h.ok) return this.ctx.drop('announce.data_malformed');
    const entry = this.entry(toHex(h.value.destRealPk));
    if (!entry) return this.ctx.drop('announce.data_no_entry');
    this.ctx.count('announce.data_forwarded');
    this.ctx.send(entry.retIpPort, encodeOnionResponse(3, entry.ret, onionDataResponseFromRequest(h.value)));
  }

  // ---- expiry ------------------------------------------------------------------------------

  private purge(now: number): void {
    for (const [k, e] of this.entries) {
      if (this.isExpired(e, now)) {
        this.entries.delete(k);
        this.ctx.count('announce.expired');
      }
    }
  }

  nextTimer(): LayerDeadline | null {
    // Entries are in announcedAt order (store moves a refreshed one to the end).
    const first = this.entries.values().next().value as AnnounceEntry | undefined;
    return first === undefined ? null : { at: first.announcedAt + ONION_ANNOUNCE_TIMEOUT_MS, reason: 'announce entry expires (300 s)' };
  }

  onTimer(now: number): void {
    this.purge(now);
  }
}
