/**
 * Onion data (docs/protocol.md §3.6, §3.7, §7.3; c-toxcore 0.2.18 `toxcore/onion_client.c`
 * send_onion_data, send_dhtpk_announce, handle_data_response, handle_dhtpk_announce, and
 * `toxcore/friend_requests.c`): our DHT-PK (156) and friend requests (32) to a friend, and
 * the onion data that reaches us (0x86).
 *
 * Out: a payload goes as one 0x85 through each node that stores the friend (friend-search.ts
 * `storing`), each copy on a random path of the friend set (one that works, when there is one),
 * and straight back along the return path of a local sighting as a 0x86. Our DHT-PK also goes
 * as DHT request 0x20 id 156 towards the friend's DHT key (the dhtkey task's `dht.sendDhtPk`).
 * The DHT-PK lists our address as another node reported it and the DHT nodes closest to our DHT
 * key; its no_replay is Unix seconds, kept strictly increasing per friend.
 *
 * In: a 0x86 is opened with our temporary data key (outer box) and the sender's real key (inner
 * box). A friend's DHT-PK is reported (`onion.dhtPkReceived`: the engine checks no_replay and
 * tells the friend's session); a friend request from anyone is reported
 * (`onion.friendRequestReceived`: the messenger's receiver applies the rules shared with
 * net_crypto payload 18, one requester ring for both, as c-toxcore's friend_requests.c).
 */
import { fromHex, toHex, type Bytes } from '../../protocol/bytes.js';
import { DHT_REQUEST_ID, encodeDhtPkPayload, sealDhtPkRouted, sealDhtRequest, type DhtPk } from '../../protocol/dht/index.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import type { Crypto } from '../../protocol/crypto.js';
import { MAX_SENT_NODES, type PackedNode } from '../../protocol/packed-node.js';
import {
  decodeOnionDataPayload,
  decodeOnionDataResponse,
  encodeFriendRequestPayload,
  encodeOnionDataResponse,
  encodeOnionResponse,
  ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES,
  openOnionDataInner,
  openOnionDataOuter,
  sealOnionDataInner,
  sealOnionDataRequestWithInner,
} from '../../protocol/onion/index.js';
import type { Friend } from '../friends.js';
import { generateKeyPair, sharedKeyOf, type KeyPair } from '../keys.js';
import { toPackedNode, type OnionClientContext } from './context.js';
import type { FriendSearch, FriendSearches } from './friend-search.js';
import type { PathSet } from './paths.js';
import { sendThrough } from './requests.js';

export class OnionData {
  /** Last DHT-PK no_replay sent per friend (strictly increasing even within one second). */
  private readonly noReplaySent = new Map<string, bigint>();

  constructor(
    private readonly ctx: OnionClientContext,
    private readonly searches: FriendSearches,
    private readonly friendPaths: PathSet,
    /** Our temporary data key: opens the outer box of a 0x86. */
    private readonly dataKey: KeyPair,
  ) {}

  /**
   * Sends our DHT-PK (156) over the onion through every node that stores the friend
   * (dhtkeyShare `onion.sendDhtPk`). Returns how many packets went out.
   */
  sendDhtPk(f: Friend): number {
    const s = this.searches.get(f.pkHex);
    if (!s) return 0;
    const n = this.send(s, encodeDhtPkPayload(this.dhtPkData(f)));
    this.ctx.count(n > 0 ? 'onion.dhtpk_sent' : 'onion.dhtpk_not_sent');
    return n;
  }

  /**
   * Sends our DHT-PK as DHT request 0x20 id 156 towards the friend's DHT key (dhtkeyShare
   * `dht.sendDhtPk`): to the nodes of the DHT search for that key, which forward it when the
   * friend is in their close list, and to the friend's node itself when the DHT knows it.
   * Returns how many packets went out.
   */
  sendDhtPkRoute(f: Friend, friendDhtKeyHex: string): number {
    const key = fromHex(friendDhtKeyHex);
    if (!key.ok || key.value.length !== 32) {
      this.ctx.count('onion.dhtpk_route_bad_key');
      return 0;
    }
    const targets = new Map<string, IpPort>();
    for (const n of this.ctx.dht.searchNodes(friendDhtKeyHex)) targets.set(ipPortKey(n.ipPort), n.ipPort);
    const own = this.ctx.dht.findAny(friendDhtKeyHex);
    if (own) targets.set(ipPortKey(own.ipPort), own.ipPort);
    if (targets.size === 0) {
      this.ctx.count('onion.dhtpk_route_no_nodes');
      return 0;
    }
    const { crypto, keys, random } = this.ctx;
    const d = this.dhtPkData(f);
    const data = sealDhtPkRouted(crypto, keys.realShared(f.pk), keys.real.publicKey, random.bytes(24), d);
    const packet = sealDhtRequest(crypto, keys.dhtShared(key.value), key.value, keys.dht.publicKey, random.bytes(24), {
      requestId: DHT_REQUEST_ID.dht_pk,
      data,
    });
    for (const to of targets.values()) this.ctx.send(to, packet);
    this.ctx.count('onion.dhtpk_route_sent', targets.size);
    return targets.size;
  }

  /**
   * Sends a friend request `[0x20][nospam][message]` as onion data through every node that
   * stores the friend. Returns how many packets went out (0 when the friend is not found on the
   * onion yet, or the message is empty or longer than a c-toxcore receiver accepts, 943 bytes).
   */
  sendFriendRequest(f: Friend, nospam: Bytes, message: string | Bytes): number {
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    if (bytes.length === 0 || 1 + nospam.length + bytes.length > ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES || nospam.length !== 4) {
      this.ctx.count('onion.friend_request_refused');
      return 0;
    }
    const s = this.searches.get(f.pkHex);
    if (!s) return 0;
    const n = this.send(s, encodeFriendRequestPayload({ nospam, message: bytes }));
    if (n > 0) this.ctx.count('onion.friend_request_sent', n);
    return n;
  }

  forgetFriend(friendHex: string): void {
    this.noReplaySent.delete(friendHex);
  }

  /** An onion data response (0x86) reached us. */
  handleDataResponse(data: Bytes): void {
    const h = decodeOnionDataResponse(data);
    if (!h.ok) return this.ctx.drop('onion.data_response_malformed');
    const { crypto, keys } = this.ctx;
    const outerKey = sharedOrNull(crypto, h.value.tempPk, this.dataKey.secretKey);
    if (outerKey === null) return this.ctx.drop('onion.data_low_order_key');
    const outer = openOnionDataOuter(crypto, outerKey, h.value);
    if (!outer.ok) return this.ctx.drop('onion.data_outer_invalid');
    // c-toxcore public_key_valid: no real key has its top bit set; X25519 ignores the bit, so the
    // boxes of such a sender open, but it could never be a friend (issue 13: it crashed the CLI).
    if (!isValidPublicKey(outer.value.senderRealPk)) return this.ctx.drop('onion.data_invalid_public_key');
    const senderHex = toHex(outer.value.senderRealPk);
    const friend = this.ctx.friend(senderHex);
    // Friends' shared keys are cached; a stranger's (a friend request) is computed once.
    const innerKey = friend ? keys.realShared(friend.pk) : sharedOrNull(crypto, outer.value.senderRealPk, keys.real.secretKey);
    if (innerKey === null) return this.ctx.drop('onion.data_low_order_key');
    const inner = openOnionDataInner(crypto, innerKey, h.value.nonce, outer.value.innerBox);
    if (!inner.ok) return this.ctx.drop('onion.data_inner_invalid');
    const p = decodeOnionDataPayload(inner.value);
    if (!p.ok) return this.ctx.drop('onion.data_payload_invalid');
    if (p.value.kind === 'dht_pk') {
      if (!friend) return this.ctx.drop('onion.dhtpk_not_friend');
      this.ctx.count('onion.dhtpk_received');
      this.ctx.report({ type: 'onion.dhtPkReceived', friend, dhtPk: p.value.value });
      return;
    }
    // A friend request (onion data 32), authenticated by the inner box under the sender's real key.
    this.ctx.count('onion.friend_request_received');
    this.ctx.report({ type: 'onion.friendRequestReceived', senderPk: outer.value.senderRealPk, nospam: p.value.value.nospam, message: p.value.value.message });
  }

  /**
   * send_onion_data: one 0x85 through each node that stores the friend, each on a random path
   * (one that works, when there is one: paths.ts),
   * provided at least (alive − 1)/4 + 1 of the alive nodes store it. The inner box (under our
   * real key) is made once; each copy gets a fresh temporary key for the outer box.
   */
  private send(s: FriendSearch, payload: Bytes): number {
    const storing = this.searches.storing(s);
    const local = this.searches.localSighting(s);
    if (storing.length === 0 && local === null) return 0;
    const { crypto, keys, random } = this.ctx;
    const nonce = random.bytes(24);
    const friendPk = s.friend.pk;
    const inner = sealOnionDataInner(crypto, keys.realShared(friendPk), keys.real.publicKey, nonce, payload);
    let sent = 0;
    if (local !== null) {
      // What our announce node would forward for a 0x85 from us: the 0x86 along the friend's return path.
      const temp = generateKeyPair(crypto, random);
      const box = crypto.seal(sharedKeyOf(crypto, local.dataPk, temp.secretKey), nonce, inner);
      this.ctx.send(local.retIpPort, encodeOnionResponse(3, local.ret, encodeOnionDataResponse({ nonce, tempPk: temp.publicKey, box })));
      this.ctx.count('onion.data_sent_local');
      sent++;
    }
    for (const n of storing) {
      const path = this.friendPaths.use(null, { preferWorking: true });
      if (!path) break;
      const temp = generateKeyPair(crypto, random);
      const request = sealOnionDataRequestWithInner(crypto, friendPk, nonce, temp.publicKey, sharedKeyOf(crypto, n.dataPk!, temp.secretKey), inner);
      sendThrough(this.ctx, path, n.ipPort, request);
      sent++;
    }
    return sent;
  }

  private dhtPkData(f: Friend): DhtPk {
    const last = this.noReplaySent.get(f.pkHex) ?? 0n;
    const now = BigInt(this.ctx.unixSeconds());
    const noReplay = now > last ? now : last + 1n;
    this.noReplaySent.set(f.pkHex, noReplay);
    const ownDht = this.ctx.keys.dht.publicKey;
    // Like c-toxcore (onion_client.c send_dhtpk_announce): up to two of our connected TCP relays
    // first (the friend connects to them and reaches us there), then DHT nodes. The receiver asks
    // each DHT node for our DHT key at once, and these nodes know our address. We also list
    // ourselves under the address another node reported for us (docs/protocol.md §10.4 b): our
    // answer to that request is what makes a c-toxcore friend find us.
    const nodes: PackedNode[] = this.ctx.tcpRelays(MAX_SENT_NODES / 2);
    const self = this.ctx.dht.apparentAddress();
    if (self) nodes.push({ transport: 'udp', ipPort: self, publicKey: ownDht });
    nodes.push(...this.ctx.dht.closest(ownDht, MAX_SENT_NODES - nodes.length).map(toPackedNode));
    return { noReplay, dhtPk: ownDht, nodes };
  }
}

/**
 * shared(sk, pk), or null for a key libsodium refuses (an all-zero or other low-order point:
 * crypto_box_beforenm fails, and libsodium-wrappers throws). Such keys come from the network in
 * 0x86 packets (a temporary key, a stranger's real key) and are dropped, not thrown.
 */
function sharedOrNull(crypto: Crypto, pk: Bytes, sk: Bytes): Bytes | null {
  try {
    return crypto.precompute(pk, sk);
  } catch {
    return null;
  }
}
