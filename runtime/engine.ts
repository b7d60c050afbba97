/**
 * The sans-IO engine (docs/architecture.md §2): one Tox node with no sockets and no clock of
 * its own — the `ToxEngine` API (tox-engine.ts) on top of the engine's inside (engine-core.ts).
 *
 * Inputs all carry `now` (monotonic milliseconds): a datagram arrived (`handleDatagram`, handed
 * to its layer by dispatch.ts), a deadline passed (`handleTimeout`), a user command
 * (`addFriend`, `sendMessage`, …). Outputs are drained by the adapter: datagrams to send
 * (`takeTransmits`), application events (`takeEvents`), and the next deadline with its reason
 * (`nextDeadline`). The engine owns keys, tables and buffers; the machines own progress and
 * decisions.
 */
import { FRIEND_POLICIES, type FriendPolicy } from '../machines/index.js';
import { fromHex, toHex, type Bytes } from '../protocol/bytes.js';
import { isValidPublicKey } from '../protocol/keys.js';
import { unmapIpv4, type IpFamily, type IpPort } from '../protocol/ip-port.js';
import { formatToxId, parseToxId } from '../protocol/tox-id.js';
import type { AppEvent } from './app-events.js';
import type { Friend, FriendInit } from './friends.js';
import type { AutoAcceptOptions } from './messenger/auto-accept.js';
import type { MessageKind, SendMessageResult } from './messenger/messenger.js';
import type { LayerDeadline, TimedLayer } from './layer.js';
import { actorKeys, FAMILIES } from './actor-keys.js';
import { dispatchDatagram } from './dispatch.js';
import { bootstrapNode } from './bootstrap-node.js';
import { EngineCore, familiesOf, type EngineOptions } from './engine-core.js';
import type { StreamOp, ToxEngine, Transmit } from './tox-engine.js';
import { PUBLIC_KEY_SIZE_BYTES } from '../protocol/crypto.js';
import { MAX_NAME_LENGTH_BYTES, MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES, MAX_STATUSMESSAGE_LENGTH_BYTES } from '../protocol/messenger/index.js';
import { NOSPAM_SIZE_BYTES } from '../protocol/tox-id.js';

export type { EngineOptions } from './engine-core.js';
export type { Transmit } from './tox-engine.js';

/** A place the engine's one timer can be armed for, with why. */
export type EngineDeadline = LayerDeadline;
export type { TimedLayer };
export { actorKeys } from './actor-keys.js';
export { OUTPUT_LAYER } from './routes.js';



export class Engine extends EngineCore implements ToxEngine {
  /** EngineOptions.profileEvents: whether `profile_changed` is reported (default true). */
  private readonly profileEvents: boolean;

  constructor(opts: EngineOptions) {
    super(opts);
    this.profileEvents = opts.profileEvents ?? true;
  }

  override app(event: AppEvent): void {
    if (event.type !== 'profile_changed' || this.profileEvents) super.app(event);
  }

  /** Our DHT public key, hex (a fresh one per engine, as c-toxcore's). */
  get dhtKeyHex(): string {
    return this.keys.dhtPkHex;
  }

  /** Our Tox ID: long-term key, nospam and checksum (76 hex characters). */
  toxId(): string {
    return formatToxId(this.keys.real.publicKey, this.nospam);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /**
   * Goes online: one announce task per address family the node reaches (`tox4id:<ours>`,
   * `tox6id:<ours>`) starts, and on the first start every friend's machines are created.
   * `families` (the UDP adapter passes its socket's) replaces EngineOptions.families on the
   * first start. After `stop` it starts the announce tasks again.
   */
  start(now: number, opts: { readonly families?: readonly IpFamily[] } = {}): void {
    this.now = Math.max(this.now, now);
    if (!this.started) {
      if (opts.families !== undefined) this.familySet = familiesOf(opts.families);
      this.started = true;
      for (const f of this.friends.all()) this.createFriendActors(f);
    }
    for (const family of this.families) {
      const key = actorKeys.announce(family, this.selfHex);
      if (this.actors.get(key)) continue;
      this.actors.create(key, 'toxidAnnounce', { selfPk: this.selfHex, now: this.now });
      this.onion.startAnnouncing(family);
      this.deliver(key, { type: 'cmd.start', now: this.now });
    }
    this.flush();
  }

  /**
   * The account goes offline (c-toxcore: the client stops iterating the onion): every announce
   * task gets `cmd.stop` — it goes Offline, telling the application `unannounced` if it was
   * announced — and its actor ends; its self-announce list is emptied and no announce request
   * goes out for it any more. Friends' sessions are left as they are (`shutdown` ends them);
   * `start` starts announcing again.
   */
  stop(now: number): void {
    this.now = Math.max(this.now, now);
    for (const family of FAMILIES) {
      const key = actorKeys.announce(family, this.selfHex);
      if (!this.actors.get(key)) continue;
      this.deliver(key, { type: 'cmd.stop', now: this.now });
      this.flush();
      this.actors.remove(key);
      this.onion.stopAnnouncing(family);
    }
  }

  /** Whether announce task `family` runs. */
  isAnnouncing(family: IpFamily): boolean {
    return this.actors.get(actorKeys.announce(family, this.selfHex)) !== undefined;
  }

  // ---- inputs ----------------------------------------------------------------------------

  handleDatagram(now: number, from: IpPort, data: Bytes): void {
    this.now = Math.max(this.now, now);
    this.counters.inc('rx.datagrams');
    // One identity per peer: a datagram from ::ffff:a.b.c.d (a dual-stack socket) is from a.b.c.d.
    const source = unmapIpv4(from);
    this.guarded(() => this.dispatch(source, data));
    this.flush();
  }

  private dispatch(from: IpPort, data: Bytes): void {
    dispatchDatagram(this, from, data);
  }

  handleStreamOpened(now: number, id: number): void {
    this.now = Math.max(this.now, now);
    this.guarded(() => this.streams.opened(id));
    this.flush();
  }

  handleStreamData(now: number, id: number, data: Bytes): void {
    this.now = Math.max(this.now, now);
    this.counters.inc('rx.stream_bytes', data.length);
    this.guarded(() => this.streams.data(id, data));
    this.flush();
  }

  handleStreamClosed(now: number, id: number): void {
    this.now = Math.max(this.now, now);
    this.guarded(() => this.streams.closed(id));
    this.flush();
  }

  acceptStream(now: number, from: IpPort): number | null {
    this.now = Math.max(this.now, now);
    const server = this.servesTcp ? this.tcpServer : null;
    if (server === null || !server.canAccept()) {
      this.drop('tcp_server.refused');
      return null;
    }
    const id = this.streams.accept(unmapIpv4(from), server);
    if (id === null) {
      this.drop('tcp_server.streams_full');
      return null;
    }
    this.guarded(() => server.onAccepted(id, unmapIpv4(from)));
    this.flush();
    return id;
  }

  handleTimeout(now: number): void {
    this.now = Math.max(this.now, now);
    for (let round = 0; round < 64; round++) {
      let any = false;
      for (const layer of this.layers()) {
        const d = layer.nextTimer();
        if (d !== null && d.at <= this.now) {
          this.guarded(() => layer.onTimer(this.now));
          any = true;
        }
      }
      const due = this.actors.due(this.now);
      for (const key of due) this.deliver(key, { type: 'tick', now: this.now });
      this.flush();
      if (!any && due.length === 0) return;
    }
    this.counters.inc('error.timer_loop');
  }

  private layers(): TimedLayer[] {
    const layers: TimedLayer[] = [this.dht, this.relay, this.announceServer, this.onion, this.netCrypto, this.messenger];
    if (this.tcpServer !== null) layers.push(this.tcpServer);
    return layers;
  }

  // ---- commands --------------------------------------------------------------------------

  /** Adds a friend by long-term key without a request (tox_friend_add_norequest). */
  addFriend(now: number, pk: Bytes, init: Omit<FriendInit, 'pk'> = {}): Friend {
    this.now = Math.max(this.now, now);
    const hex = toHex(pk);
    const existing = this.friends.get(hex);
    if (existing) return existing;
    const f = this.friends.add({ pk, ...init });
    if (this.started) this.createFriendActors(f);
    this.app({ type: 'friend_added', friend: hex, t: this.now });
    this.app({ type: 'profile_changed', t: this.now });
    this.flush();
    return f;
  }

  removeFriend(now: number, pkHex: string): boolean {
    this.now = Math.max(this.now, now);
    const f = this.friends.get(pkHex);
    if (!f) return false;
    this.netCrypto.close(f, true, 'friend removed');
    this.dht.stopSearch(pkHex);
    this.onion.removeFriend(pkHex);
    for (const key of [
      actorKeys.session(pkHex),
      actorKeys.connect(this.selfHex, pkHex),
      actorKeys.dhtkey(this.selfHex, pkHex),
      actorKeys.request(this.selfHex, pkHex),
    ])
      this.actors.remove(key);
    this.tellNetCryptoSession(pkHex);
    this.friends.remove(pkHex);
    this.lastFacts.delete(pkHex);
    this.lastProgress.delete(pkHex);
    this.dhtKeys.set(pkHex, null);
    this.lastAddresses.set(pkHex, null);
    this.app({ type: 'profile_changed', t: this.now });
    this.flush();
    return true;
  }

  /**
   * Sends a friend request to a Tox ID (tox_friend_add): the friend is added with status
   * "added", and the friendRequest machine sends the request over the onion until accepted.
   * Throws an Error naming the problem for a bad Tox ID, our own ID, or a bad message.
   */
  sendFriendRequest(now: number, toxIdText: string, message: string): Friend {
    this.now = Math.max(this.now, now);
    const id = parseToxId(toxIdText);
    if (!id.ok) throw new Error(id.error);
    const hex = toHex(id.value.publicKey);
    if (hex === this.selfHex) throw new Error('that Tox ID is our own');
    const bytes = new TextEncoder().encode(message);
    if (bytes.length === 0) throw new Error('a friend request needs a message');
    if (bytes.length > MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES)
      throw new Error(`friend request message is ${bytes.length} bytes; at most ${MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES} reach a c-toxcore peer over the onion`);
    const existing = this.friends.get(hex);
    if (existing) {
      if (existing.status === 'confirmed') throw new Error('already a friend');
      existing.requestMessage = message;
      existing.requestNospam = id.value.nospam;
      return existing;
    }
    return this.addFriend(now, id.value.publicKey, { status: 'added', requestMessage: message, requestNospam: id.value.nospam });
  }

  /** Accepts a received friend request (tox_friend_add_norequest). */
  acceptFriendRequest(now: number, pkHex: string): Friend {
    const pk = fromHex(pkHex);
    if (!pk.ok || pk.value.length !== PUBLIC_KEY_SIZE_BYTES || !isValidPublicKey(pk.value)) throw new Error(`not a valid public key: ${pkHex}`);
    if (toHex(pk.value) === this.selfHex) throw new Error('that key is our own');
    return this.addFriend(now, pk.value);
  }

  /**
   * Sends a text message or action (a string, sent as UTF-8, or the bytes as they are, e.g. a
   * received message's `bytes`) to an online friend. Returns `{ ok: true, id }` — the `receipt`
   * event carries that id when the friend acknowledged it — or `{ ok: false, error, message }`
   * when nothing was sent: `not_friend`, `not_online`, `empty`, `too_long` (over 1372 bytes) or
   * `queue_full` (1024 packets to this friend not yet acknowledged: back-pressure, try later).
   * Refusals are results, never exceptions.
   */
  sendMessage(now: number, friendHex: string, text: string | Bytes, kind: MessageKind = 'normal'): SendMessageResult {
    this.now = Math.max(this.now, now);
    const r = this.messenger.trySendMessage(friendHex, text, kind);
    this.flush();
    return r;
  }

  /**
   * Accepts friend requests automatically (`options`) or stops doing so (`null`): within a limit
   * on the friend list, at a rate, with a probation for friends that never come online (see
   * runtime/messenger/auto-accept.ts for the bounds and their defaults). Throws for options out
   * of range.
   */
  setAutoAccept(now: number, options: AutoAcceptOptions | null): void {
    this.now = Math.max(this.now, now);
    this.messenger.setAutoAccept(options);
  }

  /** Sets our name (≤ 128 bytes) and tells online friends. */
  setName(now: number, name: string): void {
    this.now = Math.max(this.now, now);
    if (new TextEncoder().encode(name).length > MAX_NAME_LENGTH_BYTES) throw new Error(`a name is at most ${MAX_NAME_LENGTH_BYTES} bytes`);
    if (name === this.name) return;
    this.name = name;
    this.messenger.refreshSelfInfo();
    this.app({ type: 'profile_changed', t: this.now });
  }

  /** Sets our status message (≤ 1007 bytes) and tells online friends. */
  setStatusMessage(now: number, statusMessage: string): void {
    this.now = Math.max(this.now, now);
    if (new TextEncoder().encode(statusMessage).length > MAX_STATUSMESSAGE_LENGTH_BYTES) throw new Error(`a status message is at most ${MAX_STATUSMESSAGE_LENGTH_BYTES} bytes`);
    this.statusMessage = statusMessage;
    this.messenger.refreshSelfInfo();
    this.app({ type: 'profile_changed', t: this.now });
  }

  /** Sets our user status (0 none, 1 away, 2 busy) and tells online friends. */
  setUserStatus(now: number, userStatus: 0 | 1 | 2): void {
    this.now = Math.max(this.now, now);
    this.userStatus = userStatus;
    this.messenger.refreshSelfInfo();
    this.app({ type: 'profile_changed', t: this.now });
  }

  /** Changes the nospam (the Tox ID changes; requests to the old ID are refused from now on). */
  setNospam(now: number, nospam: Bytes): void {
    this.now = Math.max(this.now, now);
    if (nospam.length !== NOSPAM_SIZE_BYTES) throw new Error(`nospam is ${NOSPAM_SIZE_BYTES} bytes`);
    this.nospam = nospam;
    this.app({ type: 'profile_changed', t: this.now });
  }

  /**
   * Sets what we do about a friend (machines/types.ts `FriendPolicy`):
   *   - `TryingToConnect` (the default): search for the friend and connect;
   *   - `OpenToConnect`: no searches and no DHT-key sharing of ours (its connect and dhtkey tasks
   *     stay Idle, no friend request goes out), but its cookie requests and handshakes are
   *     answered, so a session it starts forms;
   *   - `RefusingToConnect`: everything from the friend is dropped, each counted under
   *     `drop.policy.*`; a session that is up (or being set up) is closed with a kill packet and
   *     the friend goes offline (`friend_offline`, reason "refusing to connect").
   * The friend's tasks are told at once, the change is reported (`friend_policy`) and saved with
   * the profile (`profile_changed`). Setting the policy it already has does nothing. Throws an
   * Error naming the argument when `friendHex` is not a friend's key or `policy` is no policy.
   */
  setFriendPolicy(now: number, friendHex: string, policy: FriendPolicy): void {
    this.now = Math.max(this.now, now);
    const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);
    if (typeof friendHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(friendHex)) {
      throw new Error(`setFriendPolicy: friendHex must be a friend's public key, 64 hex characters; got ${shown(friendHex)}`);
    }
    if (!(FRIEND_POLICIES as readonly unknown[]).includes(policy)) {
      throw new Error(`setFriendPolicy: policy must be one of ${FRIEND_POLICIES.join(', ')}; got ${shown(policy)}`);
    }
    const f = this.friends.get(friendHex.toLowerCase());
    if (!f) throw new Error(`setFriendPolicy: friendHex ${friendHex} is not a friend`);
    if (f.policy === policy) return;
    f.policy = policy;
    this.app({ type: 'friend_policy', friend: f.pkHex, policy, t: this.now });
    this.app({ type: 'profile_changed', t: this.now });
    if (this.started) {
      if (policy !== 'TryingToConnect') {
        // Our searches for the friend end now, not when their last answers come in.
        this.dht.stopSearch(f.pkHex);
        this.onion.removeFriend(f.pkHex);
      }
      if (policy === 'RefusingToConnect') this.restartSession(f, 'refusing to connect');
      this.sendFacts(f.pkHex, true);
    }
    this.flush();
  }

  /**
   * Ends the friend's session as the session machine ends one (its `session.close` with a kill
   * packet, and `notify.offline` when it was Established, through the same output routes) and
   * gives the friend a new session machine that knows nothing (AwaitingDHTKey).
   */
  private restartSession(f: Friend, reason: string): void {
    const key = actorKeys.session(f.pkHex);
    const was = this.lastProgress.get(f.pkHex);
    // Twice at most: closing installs a connection the friend's restart had prepared (net-crypto.ts close).
    for (let i = 0; i < 2 && (i === 0 || this.netCrypto.connection(f.pkHex)); i++) {
      this.route(key, 'friendSession', { type: 'session.close', sendKill: true, reason });
    }
    if (was === 'Established') this.route(key, 'friendSession', { type: 'notify.offline', reason });
    this.actors.remove(key);
    this.actors.create(key, 'friendSession', { friendPk: f.pkHex, now: this.now });
    this.dhtKeys.set(f.pkHex, null);
    this.lastAddresses.set(f.pkHex, null);
    this.tellNetCryptoSession(f.pkHex);
    if (was !== 'AwaitingDHTKey') {
      this.lastProgress.set(f.pkHex, 'AwaitingDHTKey');
      this.app({ type: 'progress', friend: f.pkHex, state: 'AwaitingDHTKey', t: this.now });
    }
  }

  /**
   * Going offline for good, as c-toxcore's tox_kill does: every session with keys gets a kill
   * packet (net_crypto id 2), so friends see us offline at once instead of after their 32 s
   * timeout, and the announce tasks stop (`stop`). Nothing else changes; the engine takes no
   * input after this. Returns how many kill packets went out (`takeTransmits` has them).
   */
  shutdown(now: number): number {
    this.now = Math.max(this.now, now);
    const before = this.counters.get('net_crypto.kills_sent');
    for (const f of this.friends.all()) this.guarded(() => this.netCrypto.close(f, true, 'shutting down'));
    this.stop(this.now);
    return this.counters.get('net_crypto.kills_sent') - before;
  }

  /**
   * Adds a bootstrap node (IPv4, IPv6, or IPv4-mapped IPv6, which counts as IPv4). One of a
   * family the node does not reach is ignored and counted (`drop.bootstrap_<family>_unreachable`).
   * It is also an onion path node for paths through a TCP relay; with UDP off that is all it is
   * (tox.c tox_bootstrap, onion_client.c onion_add_bs_path_node; runtime/onion/paths.ts).
   * The node is an `IpPort` and a key (bytes or hex), or one `"IP:PORT:DHTKEY"` string; bad
   * arguments throw a TypeError naming the argument (bootstrap-node.ts).
   */
  bootstrap(now: number, node: IpPort | string, dhtKey?: Bytes | string): void {
    const { ipPort, dhtPk } = bootstrapNode(node, dhtKey);
    this.now = Math.max(this.now, now);
    const at = unmapIpv4(ipPort);
    if (!this.reaches(at)) return this.drop(`bootstrap_${at.family}_unreachable`);
    if (this.udpEnabled) this.dht.bootstrap(at, dhtPk);
    if (this.onion.addBootstrapNode(at, dhtPk)) this.tcp.onionNodesChanged();
    this.flush();
  }

  /**
   * Adds an onion path node only (a profile's saved PATH_NODE entries; c-toxcore's
   * onion_add_bs_path_node): used for onion paths through a TCP relay, never asked as a DHT node.
   */
  addPathNode(now: number, ipPort: IpPort, pk: Bytes): boolean {
    this.now = Math.max(this.now, now);
    const at = unmapIpv4(ipPort);
    if (pk.length !== PUBLIC_KEY_SIZE_BYTES || !isValidPublicKey(pk) || !this.reaches(at)) {
      this.drop('onion.path_node_refused');
      return false;
    }
    const added = this.onion.addBootstrapNode(at, pk);
    if (added) this.tcp.onionNodesChanged();
    this.flush();
    return added;
  }

  /**
   * Adds a TCP relay to connect to (c-toxcore tox_add_tcp_relay): `pk` is the relay's key (a
   * c-toxcore or toxstate node's DHT key). Its `relay:<key>` actor starts at once. Returns false
   * when it was refused (our own key, an invalid key, or the relay table is full; counted).
   */
  addTcpRelay(now: number, ipPort: IpPort, pk: Bytes): boolean {
    this.now = Math.max(this.now, now);
    if (pk.length !== PUBLIC_KEY_SIZE_BYTES || !isValidPublicKey(pk)) {
      this.drop('tcp.relay_invalid_key');
      return false;
    }
    const added = this.tcp.addRelay(unmapIpv4(ipPort), pk);
    this.flush();
    return added;
  }

  // ---- outputs ---------------------------------------------------------------------------

  takeTransmits(): Transmit[] {
    const t = this.transmits;
    this.transmits = [];
    return t;
  }

  takeStreamOps(): StreamOp[] {
    return this.streams.take();
  }

  takeEvents(): AppEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  nextDeadline(): EngineDeadline | null {
    let best: EngineDeadline | null = null;
    const a = this.actors.earliest();
    if (a) best = { at: a.at, reason: a.reason, actor: a.key };
    for (const layer of this.layers()) {
      const d = layer.nextTimer();
      if (d && (best === null || d.at < best.at)) best = d;
    }
    return best;
  }
}
