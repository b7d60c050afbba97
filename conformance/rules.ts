/**
 * The protocol rules toxstate implements (and the ones it does not), each bound to the code
 * that implements it and the tests that prove it. docs/conformance.md is generated from this
 * list (conformance/report.ts): values are read from the live constants, machine transitions
 * are checked against the machine definitions, tests against the test files and, when a
 * vitest JSON report is given, their results. A reference that no longer exists fails
 * test/conformance/rules.test.ts, so the report cannot drift from the code.
 *
 * c-toxcore values are those of 0.2.18 as recorded in docs/protocol.md (section
 * given per rule).
 */
import * as mc from '../machines/constants.js';
import * as dht from '../runtime/dht/dht.js';
import * as onion from '../runtime/onion/constants.js';
import * as ncr from '../runtime/net-crypto/constants.js';
import * as ncp from '../protocol/net-crypto/constants.js';
import { MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES } from '../protocol/messenger/constants.js';
import { MAX_SENT_NODES } from '../protocol/packed-node.js';

export type RuleKind = 'timer' | 'constant' | 'packet' | 'transition' | 'difference' | 'not-implemented';

/** Where a rule is implemented. */
export type ImplRef =
  | {
      readonly transition: string;
      readonly machine: 'friendSession' | 'toxidAnnounce' | 'dhtkeyShare' | 'connect' | 'friendRequest' | 'tcpRelay';
      /** The transition's guard (null: none), checked against the definition so a shifted index cannot point at another rule. */
      readonly guard?: string | null;
    }
  | { readonly file: string; readonly symbol: string };

/** A test that proves a rule: the file and the start of the test's title. */
export interface TestRef {
  readonly file: string;
  readonly title: string;
}

export interface Rule {
  readonly id: string;
  readonly kind: RuleKind;
  readonly section: string;
  readonly rule: string;
  /** c-toxcore 0.2.18's value or behaviour. */
  readonly ctoxcore: string;
  /** toxstate's value or behaviour (numbers from the live constants). */
  readonly toxstate: string;
  /** Why toxstate differs, when it does. */
  readonly difference?: string;
  readonly implementedBy: readonly ImplRef[];
  readonly provedBy: readonly TestRef[];
}

const s = (ms: number): string => `${ms / 1000} s`;
const fs = (t: string, guard: string | null = null): ImplRef => ({ machine: 'friendSession', transition: t, guard });
/** The friendSession transitions of one rule in every state it applies in. */
const fsIn = (states: readonly string[], event: string, index: number, guard: string | null): ImplRef[] => states.map((st) => fs(`${st}|${event}|${index}`, guard));
const CONNECTING = ['AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket'] as const;
const T = (file: string, title: string): TestRef => ({ file, title });

const MODEL = T('test/model/machines.model.test.ts', 'walks every transition of the definition');
const ORACLE = T('test/model/machines.model.test.ts', 'agrees with the oracle at every step of every generated path');
const SEED = 'test/machines/seed-scenarios.test.ts';
const NC = 'test/runtime/net-crypto.test.ts';
const NCP = 'test/runtime/net-crypto-packets.test.ts';
const NCI = 'test/runtime/net-crypto-interop.test.ts';
const ON = 'test/runtime/onion-network.test.ts';
const OA = 'test/runtime/onion-announce.test.ts';
const OR = 'test/runtime/onion-relay.test.ts';
const OP = 'test/runtime/onion-paths.test.ts';
const OI = 'test/runtime/onion-interop.test.ts';
const DHT = 'test/runtime/dht.test.ts';
const MSG = 'test/runtime/messenger.test.ts';
const CAP = 'test/protocol/dissect-capture.test.ts';
const DIS = 'test/protocol/dissect.test.ts';
const MON = 'test/conformance/monitor.test.ts';
const TR = 'test/machines/tcp-relay.test.ts';
const tr = (t: string, guard: string | null = null): ImplRef => ({ machine: 'tcpRelay', transition: t, guard });

export const RULES: readonly Rule[] = [
  // ---- net_crypto timers (§4.4, §4.5, §10.5) --------------------------------------------------
  {
    id: 'nc.resend-interval',
    kind: 'timer',
    section: '§4.4, §4.5',
    rule: 'The current temp packet (cookie request or handshake) is resent every CRYPTO_SEND_PACKET_INTERVAL.',
    ctoxcore: '1000 ms',
    toxstate: `${mc.TEMP_PACKET_RESEND_INTERVAL_MS} ms`,
    difference: 'The notes the model grew from (docs/architecture.md §1.3) say handshakes every 5 s; toxstate follows c-toxcore (machines/constants.ts explains why).',
    implementedBy: fsIn(CONNECTING, 'tick', 2, 'isResendDue'),
    provedBy: [ORACLE, T(SEED, 'cookie timeout: eight unanswered cookie requests')],
  },
  {
    id: 'nc.max-tries',
    kind: 'timer',
    section: '§4.4',
    rule: 'A pre-established phase gives up once its temp packet was sent MAX_NUM_SENDPACKET_TRIES times.',
    ctoxcore: '8 tries (≈ 8 s per phase)',
    toxstate: `${mc.MAX_TEMP_PACKET_TRIES} tries`,
    // AcquiringCookie's tick 3 is the relayed attempt (tcp.relay-attempt-again); its plain exhaustion is tick 4.
    implementedBy: [fs('AcquiringCookie|tick|4', 'isPhaseExhausted'), ...fsIn(['AwaitingHandshake', 'AwaitingSessionPacket'], 'tick', 3, 'isPhaseExhausted')],
    provedBy: [ORACLE, T(SEED, 'cookie timeout: eight unanswered cookie requests'), T(MON, 'a handshake re-sent past the 8 tries')],
  },
  {
    id: 'nc.cookie-timeout',
    kind: 'timer',
    section: '§4.1',
    rule: 'A cookie is valid while time ≤ now ≤ time + COOKIE_TIMEOUT.',
    ctoxcore: '15 s',
    toxstate: `${ncp.COOKIE_TIMEOUT_S} s`,
    implementedBy: [{ file: 'protocol/net-crypto/cookie.ts', symbol: 'isCookieFresh' }],
    provedBy: [T(NCP, 'refuses a cookie older than 15 s'), T('test/protocol/net-crypto-handshake.test.ts', 'freshness is time <= now <= time + 15')],
  },
  {
    id: 'nc.cookie-rate-limit',
    kind: 'constant',
    section: '§4.1',
    rule: 'Cookie requests are answered statelessly; toxstate charges only requests that open and name a friend.',
    ctoxcore: '0.2.18: every request answered, no limit; 0.2.23: one bucket for the whole node, burst 10, then one per 100 ms',
    toxstate: `per source address (per address and key for a friend's session DHT key): burst ${ncr.COOKIE_REQUEST_BURST}, then one per ${ncr.COOKIE_REQUEST_REFILL_MS} ms; guard table ≤ ${ncr.COOKIE_GUARD_TABLE_LIMIT} entries; unknown keys share ${ncr.COOKIE_UNKNOWN_KEY_BURST} X25519s, then one per ${ncr.COOKIE_UNKNOWN_KEY_REFILL_MS} ms`,
    implementedBy: [{ file: 'runtime/net-crypto/cookie-guard.ts', symbol: 'class' }],
    provedBy: [T(NCP, 'are rate limited per source'), T(NCP, 'a flood from many source addresses keeps no per-request state')],
  },
  {
    id: 'nc.request-packet',
    kind: 'timer',
    section: '§4.3',
    rule: 'A request packet (id 1) goes out at least every second while not confirmed or established.',
    ctoxcore: 'every 1 s (50 ms – 1 s under load)',
    toxstate: `every ${ncr.REQUEST_PACKET_INTERVAL_MS} ms; every ${ncr.REQUEST_PACKET_INTERVAL_WITH_GAPS_MS} ms while a packet is missing`,
    implementedBy: [{ file: 'runtime/net-crypto/data-path.ts', symbol: 'REQUEST_PACKET_INTERVAL_MS' }],
    provedBy: [T(NCP, 'a lost packet is asked for by the request packet and resent')],
  },
  // ---- friend_connection (§5) ----------------------------------------------------------------
  {
    id: 'fc.ping-interval',
    kind: 'timer',
    section: '§5.2',
    rule: 'ALIVE is sent every FRIEND_PING_INTERVAL while connected.',
    ctoxcore: '8 s (sent when last + 8 < now in whole seconds, ≈ 9 s)',
    toxstate: s(mc.FRIEND_PING_INTERVAL_MS),
    implementedBy: [fs('Established|tick|1', 'isAliveDue'), fs('AwaitingSessionPacket|packet.session|0', 'isViaUdp'), fs('AwaitingSessionPacket|packet.session|1')],
    provedBy: [ORACLE, T(SEED, 'friend silent for 32 s'), T(NC, 'ALIVE keeps the session for minutes')],
  },
  {
    id: 'fc.connection-timeout',
    kind: 'timer',
    section: '§5.2, §11.10',
    rule: 'No ALIVE for FRIEND_CONNECTION_TIMEOUT kills the connection; ALIVE is the only liveness signal.',
    ctoxcore: '32 s',
    toxstate: s(mc.FRIEND_CONNECTION_TIMEOUT_MS),
    implementedBy: [fs('Established|tick|0', 'isSessionTimedOut'), fs('Established|packet.alive|0', 'isViaUdp'), fs('Established|packet.alive|1')],
    provedBy: [ORACLE, T(SEED, 'friend silent for 32 s'), T(SEED, 'an ALIVE keeps a session up past 32 s'), T(NC, 'ALIVE keeps the session for minutes'), T(MON, 'ALIVE packets removed for 40 s')],
  },
  {
    id: 'fc.dht-timeout',
    kind: 'timer',
    section: '§5.2',
    rule: 'While connecting, a DHT key not refreshed for FRIEND_DHT_TIMEOUT is forgotten — in every state before Established (friend_connection.c do_friend_connections).',
    ctoxcore: '122 s',
    toxstate: `${s(mc.FRIEND_DHT_TIMEOUT_MS)}; key and address forgotten, the attempt stopped, back to AwaitingDHTKey`,
    implementedBy: fsIn(['AcquiringIPAddress', ...CONNECTING], 'tick', 0, 'isDhtKeyStale'),
    provedBy: [ORACLE, MODEL, T(SEED, 'a friend that answers cookies but never handshakes')],
  },
  {
    id: 'fc.address-timeout',
    kind: 'timer',
    section: '§5.2',
    rule: 'While connecting, an address not confirmed for FRIEND_DHT_TIMEOUT is dropped (dht_ip_port unset) and the DHT search resumes.',
    ctoxcore: '122 s',
    toxstate: `${s(mc.FRIEND_DHT_TIMEOUT_MS)}; a handshaking state goes back to AcquiringIPAddress; an unchecked claim is dropped`,
    implementedBy: fsIn(['AcquiringIPAddress', ...CONNECTING], 'tick', 1, 'isAddressStale'),
    provedBy: [ORACLE, MODEL],
  },
  {
    id: 'fc.address-provenance',
    kind: 'transition',
    section: '§2.4, §5.2',
    rule: "Only an address the friend's DHT key answered from is used; a nodes response naming it is a claim, asked before use, and never displaces a checked address.",
    ctoxcore: 'DHT.c addto_lists (a packet from the node itself) feeds friend_iplist; returnedip_ports only records what others say',
    toxstate: 'address sources ranked sessionPacket > dhtKeyPacket > dhtSearch; a claim is held and checked (send.addressCheck); cookie requests only to a checked address',
    implementedBy: [
      fs('AcquiringIPAddress|address.learned|0', 'isCheckedAddress'),
      fs('AcquiringIPAddress|address.learned|1', 'isAddressClaim'),
      ...fsIn(CONNECTING, 'address.learned', 0, 'isCheckedAddress'),
    ],
    provedBy: [ORACLE, T(SEED, 'a search result is a claim'), T(SEED, 'a claim never displaces an address'), T(NCP, 'as the initiator: sends a cookie request')],
  },
  {
    id: 'fc.dht-key-after-session',
    kind: 'transition',
    section: '§5.4',
    rule: "A DHT key proven by a handshake outranks a signed DHT-PK only while that session lives; once it ends (kill, timeout, an attempt that runs out), the friend's next DHT-PK naming a new key replaces it at once.",
    ctoxcore: 'friend_connection.c dht_pk_callback: any new DHT key from a DHT-PK or a handshake replaces the old one at any time (change_dht_pk)',
    toxstate: "the key is kept as `pastHandshake` (ranked with a signed DHT-PK) when the session that proved it ends; before, a DHT-PK naming another key waited until the handshake-proven key went stale (122 s)",
    difference: 'Found by the conformance campaign (docs/conformance-campaign.md): a c-toxcore peer took its restarted friend\'s new key 40 s after the kill, which the model called a violation.',
    implementedBy: [
      fs('Established|packet.kill|0'),
      fs('Established|tick|0', 'isSessionTimedOut'),
      fs('AwaitingSessionPacket|packet.kill|0'),
      fs('AwaitingSessionPacket|tick|1', 'isAddressStale'),
      fs('AwaitingSessionPacket|tick|3', 'isPhaseExhausted'),
    ],
    provedBy: [ORACLE, T(SEED, 'a friend that quits (kill packet) and restarts'), T(SEED, 'while a session lives, its handshake-proven key still outranks')],
  },
  {
    id: 'seed.dht-message-key',
    kind: 'transition',
    section: 'seed',
    rule: 'A DHT key from a DHT message: a node answering from the friend\'s last checked address with another DHT key (the seed\'s "receive dht message from SockAddr").',
    ctoxcore: 'not a source in c-toxcore (only DHT-PK packets and handshakes name a friend\'s DHT key)',
    toxstate: 'ranked lowest: fills an empty (or stale) slot only, never ends a session; checked like any key (its DHT node, cookie, handshake)',
    difference: 'The seed lists it; a restarted friend at the same address (c-toxcore keeps port 33445) is found in one round trip instead of waiting for its DHT-PK over the onion.',
    implementedBy: [fs('AwaitingDHTKey|dhtKey.learned|0'), { file: 'runtime/engine-core.ts', symbol: 'dhtKeyAtFriendAddress' }, { file: 'runtime/dht/packets.ts', symbol: 'keyAtFriendAddress' }],
    provedBy: [ORACLE, T('test/scenarios/dht-message-key.test.ts', 'after a crash and restart at the same address'), T(SEED, 'a DHT message from another key never ends a session')],
  },
  // ---- DHT (§2.3, §2.4) --------------------------------------------------------------------
  {
    id: 'dht.ping-interval',
    kind: 'timer',
    section: '§2.3',
    rule: 'Every known node gets a nodes request every PING_INTERVAL.',
    ctoxcore: '60 s',
    toxstate: s(dht.DHT_NODE_PING_INTERVAL_MS),
    implementedBy: [{ file: 'runtime/dht/dht.ts', symbol: 'DHT_NODE_PING_INTERVAL_MS' }],
    provedBy: [T(DHT, 'a 50-node network bootstrapped to one node fills the close lists')],
  },
  {
    id: 'dht.get-node-interval',
    kind: 'timer',
    section: '§2.3, §2.4',
    rule: 'A random good node gets a nodes request every GET_NODE_INTERVAL, and on the first MAX_BOOTSTRAP_TIMES rounds.',
    ctoxcore: '20 s; 5 burst rounds',
    toxstate: `${s(dht.DHT_RANDOM_NODE_INTERVAL_MS)}; ${dht.DHT_BOOTSTRAP_BURST_ROUNDS} burst rounds (connect task: ${mc.DHT_SEARCH_BURST_ROUNDS} × ${s(mc.DHT_SEARCH_BURST_INTERVAL_MS)}, then ${s(mc.DHT_GET_NODE_INTERVAL_MS)})`,
    implementedBy: [{ file: 'runtime/dht/dht.ts', symbol: 'DHT_RANDOM_NODE_INTERVAL_MS' }, { machine: 'connect', transition: 'SearchingAddress|tick|1' }],
    provedBy: [ORACLE, T(SEED, 'fresh DHT key but stale address')],
  },
  {
    id: 'dht.bad-kill-timeouts',
    kind: 'timer',
    section: '§2.3',
    rule: 'A node not heard for BAD_NODE_TIMEOUT is bad (replaceable, not handed out); for KILL_NODE_TIMEOUT it is dropped.',
    ctoxcore: '122 s / 182 s',
    toxstate: `${s(dht.DHT_BAD_NODE_TIMEOUT_MS)} / ${s(dht.DHT_KILL_NODE_TIMEOUT_MS)}`,
    implementedBy: [{ file: 'runtime/dht/dht.ts', symbol: 'DHT_KILL_NODE_TIMEOUT_MS' }],
    provedBy: [T(DHT, 'keeps working with 20% loss')],
  },
  {
    id: 'dht.ping-timeout',
    kind: 'timer',
    section: '§2.2',
    rule: 'A ping id is valid PING_TIMEOUT, once, and only from the node and address it was sent to.',
    ctoxcore: '5 s; 512 pending',
    toxstate: `${s(dht.DHT_PING_TIMEOUT_MS)}; ${dht.DHT_PENDING_LIMIT} pending`,
    implementedBy: [{ file: 'runtime/dht/pending.ts', symbol: 'takePending' }],
    provedBy: [T(DHT, 'counts and drops malformed and unauthenticated DHT packets')],
  },
  {
    id: 'dht.buckets',
    kind: 'constant',
    section: '§2.3, §2.4',
    rule: 'Close list: 128 buckets of LCLIENT_NODES by leading bits in common; a node enters only a bucket with room or a bad node.',
    ctoxcore: '8 per bucket; 8 per searched key; 4 nodes per response',
    toxstate: `${dht.DHT_BUCKET_SIZE} per bucket; ${dht.DHT_SEARCH_LIST_SIZE} per searched key; ${MAX_SENT_NODES} nodes per response`,
    implementedBy: [{ file: 'runtime/dht/close-list.ts', symbol: 'addToClose' }],
    provedBy: [T(DHT, 'a 50-node network bootstrapped to one node fills the close lists')],
  },
  {
    id: 'dht.nonempty-response',
    kind: 'difference',
    section: '§2.2, §11.3',
    rule: 'c-toxcore ignores a nodes response with 0 nodes (the responder is not added).',
    ctoxcore: 'sends 0-node responses itself; ignores them on receipt',
    toxstate: 'never answers with 0 nodes when it knows anyone (falls back to the asker itself); accepts 0-node responses',
    implementedBy: [{ file: 'runtime/dht/packets.ts', symbol: 'handleNodesRequest' }],
    provedBy: [T('test/protocol/wire/ctoxcore-wire.test.ts', 'its own ping request to us opens with our codec; our response puts us in its DHT'), T(OI, 'a c-toxcore peer announces through a toxstate node')],
  },
  {
    id: 'dht.route',
    kind: 'packet',
    section: '§2.5',
    rule: 'A DHT request (0x20) for another key is forwarded unchanged only to a close-list node with that key.',
    ctoxcore: 'forward if in close list, else drop',
    toxstate: 'same',
    implementedBy: [{ file: 'runtime/dht/packets.ts', symbol: 'handleDhtRequest' }],
    provedBy: [T(ON, "a DHT-PK sent along a DHT route reaches A's session")],
  },
  // ---- onion client (§3.8) -------------------------------------------------------------------
  {
    id: 'onion.start-delay',
    kind: 'difference',
    section: '§3.8, §10.2',
    rule: 'When announcing starts after start-up.',
    ctoxcore: 'first_run + 3 s (≈ 2.1 s), a new node skipped one round, 3 s of "connected" before friend searches',
    toxstate: 'at once when the DHT has nodes; re-announce with a fresh ping_id at once; friend search at once',
    difference: 'The protocol allows all three; it is where toxstate’s faster connect comes from (≈ 0.2 s to announced on a 5-node network).',
    implementedBy: [
      { machine: 'toxidAnnounce', transition: 'Offline|cmd.start|0' },
      { machine: 'toxidAnnounce', transition: 'Announcing|nodes.available|0' },
      { machine: 'toxidAnnounce', transition: 'Announcing|announce.pingId|0' },
      { machine: 'dhtkeyShare', transition: 'Active.Searching|nodes.available|0' },
    ],
    provedBy: [T(ON, 'every node of a 5-node network with 10 ms latency is announced within half a second'), ORACLE],
  },
  {
    id: 'onion.announce-intervals',
    kind: 'timer',
    section: '§3.8',
    rule: 'Self re-announce: while not stored; once stored; per node once stable (stored for TIME_TO_STABLE).',
    ctoxcore: '3 s / 15 s / 120 s; stable after 90 s',
    toxstate: `${s(mc.ANNOUNCE_INTERVAL_NOT_ANNOUNCED_MS)} / ${s(mc.ANNOUNCE_INTERVAL_ANNOUNCED_MS)} / ${s(mc.ANNOUNCE_INTERVAL_STABLE_MS)} per node; stable after ${s(mc.ANNOUNCE_TIME_TO_STABLE_MS)}`,
    implementedBy: [
      { machine: 'toxidAnnounce', transition: 'Announcing|tick|1' },
      { machine: 'toxidAnnounce', transition: 'Announced|tick|2' },
      { machine: 'toxidAnnounce', transition: 'Announced|tick|1' },
      { machine: 'toxidAnnounce', transition: 'Stable|tick|1' },
    ],
    provedBy: [ORACLE, T(ON, 'stays announced for 10 minutes')],
  },
  {
    id: 'onion.offline-timeout',
    kind: 'timer',
    section: '§3.8',
    rule: 'No announce response for ONION_OFFLINE_TIMEOUT means the onion is lost.',
    ctoxcore: '75 s',
    toxstate: s(mc.ONION_OFFLINE_TIMEOUT_MS),
    implementedBy: [{ machine: 'toxidAnnounce', transition: 'Announced|tick|0' }, { machine: 'toxidAnnounce', transition: 'Stable|tick|0' }],
    provedBy: [ORACLE, T(ON, 'when the rest of the network goes away the announcement is lost')],
  },
  {
    id: 'onion.friend-search-backoff',
    kind: 'timer',
    section: '§3.8, §11.14',
    rule: 'Friend search: every 3 s while run_count ≤ 5, then 2^min(12, run_count − 2) s, at most 3600 s; reset when the friend goes offline.',
    ctoxcore: '3 s, exponential, ≤ 3600 s (run_count +1 per 4 requests)',
    toxstate: `${s(mc.FRIEND_SEARCH_NEW_INTERVAL_MS)}, exponential, ≤ ${s(mc.FRIEND_SEARCH_MAX_INTERVAL_MS)} (run_count +1 per round)`,
    difference: 'A round asks all of the friend’s nodes at once and counts as one run; with a full list c-toxcore backs off twice as fast.',
    implementedBy: [{ machine: 'dhtkeyShare', transition: 'Active.Searching|tick|0' }, { machine: 'dhtkeyShare', transition: 'Idle|facts|0' }],
    provedBy: [ORACLE, MODEL],
  },
  {
    id: 'onion.dhtpk-intervals',
    kind: 'timer',
    section: '§3.7, §3.8',
    rule: 'DHT-PK to a friend: over the onion at once when found, then every ONION_DHTPK_SEND_INTERVAL; over a DHT route every DHT_DHTPK_SEND_INTERVAL while the friend’s DHT key is known.',
    ctoxcore: '30 s / 20 s',
    toxstate: `${s(mc.ONION_DHTPK_SEND_INTERVAL_MS)} / ${s(mc.DHT_DHTPK_SEND_INTERVAL_MS)}`,
    implementedBy: [
      { machine: 'dhtkeyShare', transition: 'Active.Searching|search.found|0' },
      { machine: 'dhtkeyShare', transition: 'Active.Sharing|tick|0' },
      { machine: 'dhtkeyShare', transition: 'Active|tick|0' },
    ],
    provedBy: [ORACLE, T(ON, "B's friend search finds A, and B's DHT-PK reaches A's session over the onion"), T(ON, "a DHT-PK sent along a DHT route reaches A's session")],
  },
  {
    id: 'onion.no-replay',
    kind: 'difference',
    section: '§3.7, §11.6',
    rule: 'DHT-PK no_replay is whole Unix seconds; only strictly increasing values are accepted; reset when the friend goes offline.',
    ctoxcore: 'mono time in seconds (Unix-based)',
    toxstate: 'Unix seconds, kept strictly increasing per friend even within one second',
    implementedBy: [{ file: 'runtime/engine-core.ts', symbol: 'onDhtPk' }],
    provedBy: [T(ON, "B's friend search finds A, and B's DHT-PK reaches A's session over the onion")],
  },
  {
    id: 'onion.announce-store',
    kind: 'constant',
    section: '§3.4',
    rule: 'An announce node keeps ONION_ANNOUNCE_MAX_ENTRIES for ONION_ANNOUNCE_TIMEOUT, replacing the farthest only with a closer one.',
    ctoxcore: '160 entries, 300 s',
    toxstate: `${onion.ONION_ANNOUNCE_MAX_ENTRIES} entries, ${s(onion.ONION_ANNOUNCE_TIMEOUT_MS)}`,
    implementedBy: [{ file: 'runtime/onion/announce-server.ts', symbol: 'ONION_ANNOUNCE_MAX_ENTRIES' }],
    provedBy: [T(OA, 'keeps at most 160 entries'), T(OA, 'forgets an entry 300 s after its last announce')],
  },
  {
    id: 'onion.ping-id',
    kind: 'difference',
    section: '§3.4, §11.5',
    rule: 'The announce ping_id is HMAC-SHA-512-256 over (time / 300, sender pk, source IP_Port), valid for two windows.',
    ctoxcore: 'HMAC (spec.md describes a SHA-based scheme)',
    toxstate: `HMAC-SHA-512-256, ${onion.ONION_PING_ID_WINDOW_S} s windows, current and previous`,
    implementedBy: [{ file: 'runtime/onion/announce-server.ts', symbol: 'ONION_PING_ID_WINDOW_S' }],
    provedBy: [T(OA, 'accepts a ping_id in its own and the next 300 s window')],
  },
  {
    id: 'onion.is-stored',
    kind: 'transition',
    section: '§3.4',
    rule: 'is_stored 0 (no entry: new ping_id), 2 (the sender’s own entry), 1 (someone else’s: their data key).',
    ctoxcore: 'as stated',
    toxstate: 'same',
    implementedBy: [{ file: 'runtime/onion/announce-server.ts', symbol: 'isStored' }],
    provedBy: [T(OA, 'answers every is_stored case of §3.4')],
  },
  {
    id: 'onion.relay',
    kind: 'packet',
    section: '§3.3',
    rule: 'Relays: three layers under one nonce, return blobs under a per-relay key renewed every 2 h; the exit forwards only 0x83/0x85; responses only 0x84/0x86.',
    ctoxcore: 'as stated; KEY_REFRESH_INTERVAL 2 h',
    toxstate: `same; key renewed every ${s(onion.ONION_KEY_REFRESH_INTERVAL_MS)}, previous key kept one period`,
    implementedBy: [{ file: 'runtime/onion/relay.ts', symbol: 'class OnionRelay' }],
    provedBy: [T(OR, 'carries an announce request through 3 hops'), T(OR, 'the exit relay forwards only 0x83 and 0x85 payloads'), T(OR, 'a return blob stays valid across one 2 h key renewal')],
  },
  {
    id: 'onion.paths',
    kind: 'constant',
    section: '§3.3',
    rule: 'Paths of 3 nodes drawn with replacement; a path dies after 4 unanswered uses (4 s new / 10 s answered) or after 1200 s.',
    ctoxcore: '3 hops, 6 paths per set; 4 s / 10 s / 1200 s',
    toxstate: `${onion.ONION_PATH_LENGTH} hops, ${onion.ONION_PATHS_PER_SET} per set; ${s(onion.ONION_PATH_FIRST_TIMEOUT_MS)} / ${s(onion.ONION_PATH_TIMEOUT_MS)} / ${s(onion.ONION_PATH_MAX_LIFETIME_MS)}`,
    implementedBy: [{ file: 'runtime/onion/paths.ts', symbol: 'ONION_PATH_MAX_LIFETIME_MS' }],
    provedBy: [T(OP, 'are built from the good DHT nodes with replacement'), T(OP, 'every path dies 1200 s after it was made')],
  },
  {
    id: 'onion.announce-packets',
    kind: 'difference',
    section: '§3.1, §11.4',
    rule: '0.2.18 uses announce 0x83/0x84 only; 0x87/0x88 cannot cross 0.2.18 relays.',
    ctoxcore: '0x83/0x84',
    toxstate: '0x83/0x84 (0x87/0x88 recognised and counted, not used)',
    implementedBy: [{ file: 'runtime/dispatch.ts', symbol: 'PACKET_ID.announce_request' }],
    provedBy: [T(OI, 'a c-toxcore peer announces through a toxstate node')],
  },
  // ---- friend requests (§7) -----------------------------------------------------------------
  {
    id: 'fr.backoff',
    kind: 'timer',
    section: '§7.1',
    rule: 'A friend request is resent after FRIENDREQUEST_TIMEOUT, doubling every round, until the friend connects.',
    ctoxcore: '5 s, doubling without bound',
    toxstate: `${s(mc.FRIEND_REQUEST_TIMEOUT_MS)}, doubling up to ${s(mc.FRIEND_REQUEST_MAX_TIMEOUT_MS)}`,
    implementedBy: [{ machine: 'friendRequest', transition: 'Sent|tick|0' }, { machine: 'friendRequest', transition: 'Pending|search.found|0' }],
    provedBy: [ORACLE, T('test/runtime/messenger-friend-requests.test.ts', 'a pending request ends when a session with the friend is established')],
  },
  {
    id: 'fr.via-onion',
    kind: 'difference',
    section: '§7.3, §11.11',
    rule: 'Friend requests travel as onion data id 32 (DHT request id 32 is not handled by 0.2.18).',
    ctoxcore: 'onion data 32; net_crypto 18 only between connected friends',
    toxstate: `onion data 32 through every node storing the friend; messages over ${MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES} bytes refused (0.2.18 receivers drop them)`,
    implementedBy: [{ file: 'runtime/onion/client.ts', symbol: 'sendFriendRequest' }],
    provedBy: [T(OI, 'friend requests cross the onion both ways'), T(ON, 'a friend request from B reaches A as an app event')],
  },
  {
    id: 'fr.receive',
    kind: 'transition',
    section: '§7.2',
    rule: 'A request is surfaced only with our nospam, from a non-friend not among the last 32 requesters.',
    ctoxcore: 'as stated',
    toxstate: 'same (one ring for onion and net_crypto)',
    implementedBy: [{ file: 'runtime/messenger/friend-requests.ts', symbol: 'check' }],
    provedBy: [T('test/runtime/messenger-friend-requests.test.ts', 'surfaces a request with our nospam from a stranger once')],
  },
  // ---- net_crypto connection states (§4.4) --------------------------------------------------
  {
    id: 'st.cookie-response',
    kind: 'transition',
    section: '§4.4',
    rule: 'COOKIE_REQUESTING + valid cookie response → send handshake → HANDSHAKE_SENT.',
    ctoxcore: 'as stated',
    toxstate: 'AcquiringCookie → AwaitingHandshake',
    implementedBy: [fs('AcquiringCookie|packet.cookieResponse|0', 'isViaUdp'), fs('AcquiringCookie|packet.cookieResponse|1')],
    provedBy: [ORACLE, T(NCP, 'as the initiator: sends a cookie request'), T(MON, 'all cookie responses removed')],
  },
  {
    id: 'st.handshake-while-cookie',
    kind: 'transition',
    section: '§4.4',
    rule: 'COOKIE_REQUESTING + valid peer handshake → keys, own handshake with the peer’s other_cookie → NOT_CONFIRMED.',
    ctoxcore: 'as stated',
    toxstate: 'AcquiringCookie → AwaitingSessionPacket, sending our handshake',
    implementedBy: [fs('AcquiringCookie|packet.handshake|0')],
    provedBy: [ORACLE, T(SEED, 'inbound handshake while acquiring a cookie')],
  },
  {
    id: 'st.handshake-sent',
    kind: 'transition',
    section: '§4.4',
    rule: 'HANDSHAKE_SENT + peer handshake → NOT_CONFIRMED, no new handshake.',
    ctoxcore: 'as stated',
    toxstate: 'AwaitingHandshake → AwaitingSessionPacket (send.confirm only)',
    implementedBy: [fs('AwaitingHandshake|packet.handshake|0', 'isSameDhtKey')],
    provedBy: [ORACLE, T(NC, 'simultaneous handshakes (both sides start at once) end in one session on each side')],
  },
  {
    id: 'st.not-confirmed-handshake',
    kind: 'transition',
    section: '§4.4',
    rule: 'NOT_CONFIRMED + peer handshake → nonce and session key updated; state unchanged.',
    ctoxcore: 'as stated',
    toxstate: 'AwaitingSessionPacket stays',
    implementedBy: [fs('AwaitingSessionPacket|packet.handshake|0', 'isSameDhtKey')],
    provedBy: [ORACLE],
  },
  {
    id: 'st.confirm',
    kind: 'transition',
    section: '§4.4',
    rule: 'NOT_CONFIRMED + any valid data packet other than kill → ESTABLISHED; "online" fires.',
    ctoxcore: 'as stated',
    toxstate: 'AwaitingSessionPacket → Established (notify.online)',
    implementedBy: [fs('AwaitingSessionPacket|packet.session|0', 'isViaUdp'), fs('AwaitingSessionPacket|packet.session|1')],
    provedBy: [ORACLE, T(NC, 'two friends that know each other reach Established'), T(NCI, 'toxstate initiates')],
  },
  {
    id: 'st.new-connection',
    kind: 'transition',
    section: '§4.4',
    rule: 'A valid handshake from a friend with no connection creates one, NOT_CONFIRMED, answering with our handshake.',
    ctoxcore: 'accepted only from friends with no crypto connection',
    toxstate: 'AwaitingDHTKey / AcquiringIPAddress → AwaitingSessionPacket; non-friends refused',
    implementedBy: [fs('AwaitingDHTKey|packet.handshake|0'), fs('AcquiringIPAddress|packet.handshake|0')],
    provedBy: [ORACLE, T(NCP, 'accepts a friend with a fresh cookie'), T(NCP, 'refuses a cookie from another node')],
  },
  {
    id: 'st.dht-key-change',
    kind: 'transition',
    section: '§4.4, §5.4',
    rule: 'A different DHT key (onion DHT-PK, DHT route, or a handshake) kills the connection and re-creates it toward the new key.',
    ctoxcore: 'dht_pk_callback: kill, offline, new connection; a handshake from a new key while connecting is not accepted: net_crypto.c handle_packet_crypto_hs only reports the key (dht_pk_callback), and the new connection starts with a cookie request',
    toxstate: 'session.close (+ kill if established), notify.offline, reconnect toward the new key; a valid handshake from a new key is accepted and answered at once (one round trip sooner)',
    difference: 'Before Established, toxstate answers a handshake from a new DHT key with its own handshake where c-toxcore starts over with a cookie request; both end in a session. Read in net_crypto.c 0.2.18 during the conformance campaign; not seen on the wire there (the restarted peer was always the one to send the new key first).',
    implementedBy: [
      fs('Established|dhtKey.learned|1', 'isRestartDhtKey'),
      fs('Established|packet.handshake|0', 'isRestartDhtKey'),
      fs('AwaitingHandshake|packet.handshake|1'),
      fs('AwaitingSessionPacket|packet.handshake|1'),
    ],
    provedBy: [ORACLE, T(SEED, 'a friend restart (new DHT key)'), T(NC, 'a friend that restarts (new DHT key, same address)')],
  },
  {
    id: 'st.kill',
    kind: 'transition',
    section: '§4.3',
    rule: 'Kill packet (id 2, not 3) ends the connection at once.',
    ctoxcore: 'PACKET_ID_KILL = 2',
    toxstate: 'Established / AwaitingSessionPacket → AcquiringCookie',
    implementedBy: [fs('Established|packet.kill|0'), fs('AwaitingSessionPacket|packet.kill|0')],
    provedBy: [ORACLE, T(NC, 'a kill packet ends the session at once')],
  },
  {
    id: 'st.session-after-handshake',
    kind: 'transition',
    section: '§4.4',
    rule: 'Session (crypto data) packets go out only on a connection that has exchanged handshakes (NOT_CONFIRMED or ESTABLISHED).',
    ctoxcore: 'net_crypto.c send_crypto_packets sends request packets only in NOT_CONFIRMED or ESTABLISHED; write_cryptpacket refuses anything but ESTABLISHED',
    toxstate: 'send.confirm and send.alive only on the way into or inside AwaitingSessionPacket and Established; the conformance monitor flags a session packet sent in any earlier state',
    implementedBy: [
      fs('AwaitingDHTKey|packet.handshake|0'),
      fs('AcquiringCookie|packet.handshake|0'),
      fs('AwaitingHandshake|packet.handshake|0', 'isSameDhtKey'),
      fs('AwaitingSessionPacket|packet.session|0', 'isViaUdp'),
      fs('AwaitingSessionPacket|packet.session|1'),
    ],
    provedBy: [ORACLE, T(MON, 'a session packet before any handshake')],
  },
  {
    id: 'st.cookie-exhausted',
    kind: 'difference',
    section: '§4.4, seed',
    rule: 'A cookie phase that runs out of tries.',
    ctoxcore: 'connection killed and re-created at once with the remembered IP (122 s)',
    toxstate: 'the address is stale: cleared, DHT search again (the seed’s rule)',
    difference: 'The notes the model grew from (docs/architecture.md §1.1): "on timeout, consider sockaddr stale, set sockaddr to Nothing". The DHT search finds a live address within its burst.',
    implementedBy: [fs('AcquiringCookie|tick|4', 'isPhaseExhausted')],
    provedBy: [ORACLE, T(SEED, 'cookie timeout')],
  },
  {
    id: 'nc.base-nonce',
    kind: 'difference',
    section: '§4.2, §11.1',
    rule: 'The handshake’s base nonce is the nonce its SENDER uses for its own data packets.',
    ctoxcore: 'sender’s own sent_nonce (spec.md says the other way round)',
    toxstate: 'same as c-toxcore',
    implementedBy: [{ file: 'runtime/net-crypto/handshake.ts', symbol: 'baseNonce' }],
    provedBy: [T(NCP, 'accepts a friend with a fresh cookie and answers with a handshake whose base nonce opens its first data packet'), T('test/protocol/net-crypto-capture.test.ts', 'each side’s data packets count up from the base nonce')],
  },
  {
    id: 'nc.padding',
    kind: 'packet',
    section: '§4.3',
    rule: 'Crypto data padding is (1373 − payload length) mod 8 zero bytes; nonce tail 2 bytes; 21845 advance rule.',
    ctoxcore: 'as stated',
    toxstate: 'same',
    implementedBy: [{ file: 'protocol/net-crypto/crypto-data.ts', symbol: 'paddingLength' }],
    provedBy: [T('test/protocol/net-crypto-data.test.ts', 'pads with (1373 − len) mod 8 zero bytes'), T('test/protocol/net-crypto-data.test.ts', 'advances recv_nonce by 21845 only when diff > 43690')],
  },
  {
    id: 'nc.replay',
    kind: 'transition',
    section: '§4.3',
    rule: 'Replayed, duplicated and tampered data packets are dropped; reordered lossless packets are delivered in order.',
    ctoxcore: 'as stated (drops a reordered packet whose acknowledgement is behind)',
    toxstate: 'same, but keeps a reordered packet’s data and ignores its stale acknowledgement',
    implementedBy: [{ file: 'runtime/net-crypto/data-path.ts', symbol: 'handleCryptoData' }],
    provedBy: [T(NCP, 'drops replayed, duplicated and tampered data packets')],
  },
  // ---- messenger (§6) ------------------------------------------------------------------------
  {
    id: 'ms.online-first',
    kind: 'transition',
    section: '§6.1, §11.9',
    rule: 'ONLINE (24, length 1) is sent first; Messenger packets before the peer’s ONLINE are dropped.',
    ctoxcore: 'as stated',
    toxstate: 'ONLINE, nickname, status message, user status on confirm; drops before ONLINE',
    implementedBy: [{ file: 'runtime/messenger/messenger.ts', symbol: 'onOnline' }],
    provedBy: [T(MSG, 'sends ONLINE first'), T(MSG, 'drops Messenger payloads that arrive before the peer ONLINE')],
  },
  {
    id: 'ms.receipts',
    kind: 'transition',
    section: '§6.2',
    rule: 'There is no receipt packet: a message is received when the peer’s buffer_start passes its packet number.',
    ctoxcore: 'as stated',
    toxstate: 'same (receipt event)',
    implementedBy: [{ file: 'runtime/messenger/messenger.ts', symbol: 'onPeerAck' }],
    provedBy: [T(MSG, 'carries messages and actions both ways, each with a receipt'), T(NCI, 'toxstate initiates')],
  },
  // ---- packets (every id c-toxcore 0.2.18 sends) ----------------------------------------------
  {
    id: 'pk.every-id',
    kind: 'packet',
    section: '§2.7',
    rule: 'Every packet id c-toxcore 0.2.18 sends is recognised and named; every datagram of a real c-toxcore session decodes.',
    ctoxcore: '00 01 02 04 18 19 1a 1b 20 21 80–88 8c–8e 90–98 f0',
    toxstate: 'all named (protocol/packet-ids.ts); all of the golden capture valid',
    implementedBy: [{ file: 'protocol/packet-ids.ts', symbol: 'PACKET_ID' }],
    provedBy: [T(CAP, 'names every datagram'), T(CAP, 'finds every datagram valid'), T(DIS, 'is named, valid, and sized')],
  },
  {
    id: 'pk.sizes',
    kind: 'packet',
    section: '§2.2, §3.2, §4',
    rule: 'Fixed sizes: ping 82, nodes request 113, cookie request 145, cookie response 161, handshake 385, announce request 177/354.',
    ctoxcore: '82 / 113 / 145 / 161 / 385 / 177',
    toxstate: `82 / 113 / ${ncp.COOKIE_REQUEST_SIZE_BYTES} / ${ncp.COOKIE_RESPONSE_SIZE_BYTES} / ${ncp.HANDSHAKE_SIZE_BYTES} / 177`,
    implementedBy: [{ file: 'protocol/net-crypto/constants.ts', symbol: 'HANDSHAKE_SIZE_BYTES' }],
    provedBy: [T(DIS, 'is named, valid, and sized'), T('test/protocol/net-crypto-capture.test.ts', 'cookie requests decode')],
  },
  {
    id: 'pk.zero-length',
    kind: 'difference',
    section: '§1.3, §11.12',
    rule: 'Zero-length plaintexts cannot be encrypted or decrypted.',
    ctoxcore: 'encrypt −1 for length 0; decrypt needs > 16 bytes',
    toxstate: 'same (crypto.seal throws on an empty plaintext; open returns null)',
    implementedBy: [{ file: 'protocol/crypto.ts', symbol: 'empty plaintext' }],
    provedBy: [T('test/protocol/core/crypto-kat.test.ts', 'refuses zero-length plaintexts, as toxcore does')],
  },
  // ---- TCP relays (§14) -----------------------------------------------------------------------
  // The client's timers and relay bookkeeping (tcpRelay, §14.5) first; rules for the TCP wire
  // (§14.1–§14.3) and the relay server (§14.4) belong in this section too.
  {
    id: 'tcp.connection-timeout',
    kind: 'timer',
    section: '§14.5',
    rule: 'A relay connection that is not confirmed (the relay’s handshake received) TCP_CONNECTION_TIMEOUT after it was created is dropped.',
    ctoxcore: '10 s (TCP_client.c new_TCP_connection sets kill_at, do_TCP_connection drops the connection at kill_at)',
    toxstate: `${s(mc.TCP_CONNECTION_TIMEOUT_MS)}, counted from the start of the attempt (connecting and unconfirmed together)`,
    implementedBy: [tr('Connecting|tick|0', 'isConnectTimedOut'), tr('Unconfirmed|tick|0', 'isConnectTimedOut')],
    provedBy: [ORACLE, T(TR, 'a full life'), T(TR, 'a relay that never confirms is retried')],
  },
  {
    id: 'tcp.ping-frequency',
    kind: 'timer',
    section: '§14.5',
    rule: 'A confirmed relay connection pings the relay at once and then every TCP_PING_FREQUENCY.',
    ctoxcore: '30 s; the first ping in the pass that confirms (a new connection’s last_pinged is 0; TCP_client.c do_confirmed_TCP)',
    toxstate: `${s(mc.TCP_PING_FREQUENCY_MS)}; the first ping on confirmation`,
    implementedBy: [tr('Unconfirmed|handshake.accepted|0'), tr('Confirmed|tick|2', 'isPingDue')],
    provedBy: [ORACLE, T(TR, 'a full life')],
  },
  {
    id: 'tcp.ping-timeout',
    kind: 'timer',
    section: '§14.5',
    rule: 'No pong with the id of our ping within TCP_PING_TIMEOUT: the connection is dead.',
    ctoxcore: '10 s (TCP_client.c do_confirmed_TCP; handle_TCP_client_pong clears only our ping’s id)',
    toxstate: `${s(mc.TCP_PING_TIMEOUT_MS)}; the layer reports only a pong carrying our ping's id`,
    implementedBy: [tr('Confirmed|tick|0', 'isPongOverdue'), tr('Confirmed|pong|0', 'isPongAwaited')],
    provedBy: [ORACLE, T(TR, 'a full life'), T(TR, 'a pong counts only while a ping is out'), T(TR, 'a missing pong wins over sleep')],
  },
  {
    id: 'tcp.sleep',
    kind: 'timer',
    section: '§14.5',
    rule: 'A relay connection whose online routes are all direct (sleeping) and that carries no onion traffic sleeps TCP_CONNECTION_ANNOUNCE_TIMEOUT after coming online: closed, remembered, woken when a route or the onion needs it.',
    ctoxcore: '10 s after connected_time, also restarted by a routing request for a peer added later (TCP_connection.c do_tcp_conns, sleep_tcp_relay_connection, unsleep_tcp_relay_connection)',
    toxstate: `${s(mc.TCP_CONNECTION_ANNOUNCE_TIMEOUT_MS)} after confirmation; wakes on a use that is not direct, or onion use`,
    difference: 'toxstate counts the 10 s from confirmation only: the machine is not told about routing requests sent later (a peer added to an online relay).',
    implementedBy: [tr('Confirmed|tick|1', 'isSleepDue'), tr('Sleeping|uses|0', 'isNeededAgain')],
    provedBy: [ORACLE, T(TR, 'sleeps 10 s after confirmation'), T(TR, 'does not sleep while the onion uses it'), T(TR, 'wakes when a use needs it again')],
  },
  {
    id: 'tcp.reconnect',
    kind: 'transition',
    section: '§14.5',
    rule: 'A relay connection that drops after it was online is reconnected at once: a new connection to the same relay, its routes gone until requested again.',
    ctoxcore: 'TCP_connection.c do_tcp_conns → reconnect_tcp_relay_connection (lock_count, sleep_count, onion zeroed)',
    toxstate: 'same: relayOffline, the socket closed, a new attempt at once with no uses',
    implementedBy: [tr('Confirmed|stream.failed|0'), tr('Confirmed|tick|0', 'isPongOverdue')],
    provedBy: [ORACLE, T(TR, 'a confirmed connection that drops reconnects at once'), T(TR, 'a full life')],
  },
  {
    id: 'tcp.retry',
    kind: 'difference',
    section: '§14.5',
    rule: 'A relay connection that fails before it was ever confirmed.',
    ctoxcore: 'removed (TCP_connection.c do_tcp_conns → kill_tcp_relay_connection) until the relay is named again',
    toxstate: `retried after ${s(mc.RELAY_RETRY_MIN_MS)}, the pause doubling with every failure in a row up to ${s(mc.RELAY_RETRY_MAX_MS)}; a confirmation resets it`,
    difference: 'A relay the user configured stays in use after a network outage; the growing pause keeps a dead relay cheap (machines/constants.ts RELAY_RETRY_MIN_MS).',
    implementedBy: [
      tr('Connecting|stream.failed|0'),
      tr('Connecting|tick|0', 'isConnectTimedOut'),
      tr('Unconfirmed|stream.failed|0'),
      tr('Unconfirmed|tick|0', 'isConnectTimedOut'),
      tr('Disconnected|tick|0', 'isRetryDue'),
    ],
    provedBy: [ORACLE, T(TR, 'a relay that never confirms is retried after 10 s'), T(TR, 'relayRetryPause')],
  },
  {
    id: 'tcp.dhtpk-on-first-relay',
    kind: 'difference',
    section: '§3.7, §14.5',
    rule: 'When our DHT-PK (which names up to 2 of our connected TCP relays) goes over the onion to a friend found at announce nodes.',
    ctoxcore: `at once when the friend is found, then every ONION_DHTPK_SEND_INTERVAL (30 s, onion_client.c do_friend); a DHT-PK sent before the first relay connected names none until the next one`,
    toxstate: `also at once when our connected relays go from none to some (the first relay confirms, or the first again after all were lost), restarting the ${s(mc.ONION_DHTPK_SEND_INTERVAL_MS)}; not while still searching (the DHT-PK goes out when the friend is found)`,
    difference:
      "toxstate's choice (issue 17): a TCP-only friend (UDP off) can reach us only through a relay our DHT-PK names; c-toxcore starts its onion later, so its relays are usually up, while toxstate's starts at once and could leave such a friend waiting 30 s.",
    implementedBy: [{ machine: 'dhtkeyShare', transition: 'Active.Sharing|relays.available|0' }, { file: 'runtime/tcp/wiring.ts', symbol: 'relaysNamedChanged' }],
    provedBy: [
      ORACLE,
      T('test/machines/dhtkey-relays-available.test.ts', 'in Sharing: sends our DHT-PK over the onion at once'),
      T('test/machines/dhtkey-relays-available.test.ts', 'in Searching: nothing'),
      T('test/runtime/tcp-dhtpk-relays.test.ts', 'a DHT-PK sent before the relay named none'),
    ],
  },
  {
    id: 'dht.hole-punching',
    kind: 'timer',
    section: '§2.8',
    rule: "For a searched DHT key reported at one address by at least NAT_MIN_REPORTS of its search-list nodes but not reached, a NAT ping goes through those nodes every PUNCH_INTERVAL; when the friend answers, pings go to the reported IP at guessed ports (MAX_PUNCHING_PORTS per round).",
    ctoxcore: 'DHT.c do_NAT, send_NATping, handle_NATping, punch_holes: 3 s, 48 ports per round, low ports after 5 rounds, reset after 40 s',
    toxstate: `${s(3000)}, 48 ports per round; NAT pings answered only from a searched key, once per friend per second; at most 4 friends punch per round`,
    difference: 'toxstate bounds the answers and the punching friends per round (c-toxcore answers every NAT ping from a friend key).',
    implementedBy: [{ file: 'runtime/dht/hole-punch.ts', symbol: 'HolePunch' }, { file: 'runtime/dht/constants.ts', symbol: 'NAT_PUNCH_INTERVAL_MS' }],
    provedBy: [
      T('test/runtime/hole-punch.test.ts', 'symmetric ↔ portRestricted (seed'),
      T('test/runtime/hole-punch.test.ts', 'a NAT ping from a key we do not search is dropped'),
      T('test/runtime/hole-punch.test.ts', "a flood of NAT ping requests from the friend's key is answered once per second"),
    ],
  },
  {
    id: 'dht.lan-discovery-answer',
    kind: 'packet',
    section: '§2.6',
    rule: 'A received LAN discovery packet (33 bytes, from a LAN or loopback address) is answered with a nodes request for our own DHT key — only when the user enabled LAN discovery. toxstate never sends one.',
    ctoxcore: 'DHT.c handle_LANdiscovery (on by default; c-toxcore also broadcasts every 10 s)',
    toxstate: 'off by default (EngineOptions.lanDiscovery, toxstate node --lan-discovery); never sent',
    difference: 'Off by default and never sent: toxstate does not broadcast (docs/architecture.md §3).',
    implementedBy: [{ file: 'runtime/dht/packets.ts', symbol: 'handleLanDiscovery' }],
    provedBy: [T('test/runtime/lan-discovery.test.ts', 'on: a packet from a LAN address is answered'), T('test/runtime/lan-discovery.test.ts', 'off (the default)')],
  },
  // Friend sessions over relays (§14.6): the friendSession's relay route and path.
  {
    id: 'tcp.cookie-through-relay',
    kind: 'transition',
    section: '§14.6',
    rule: "With the friend's DHT key known and a relay of ours reaching it (a route registered or online), the cookie request goes through the relay, with or without an address; a handshake and the first data packet follow the same way.",
    ctoxcore: 'net_crypto.c send_packet_to: cookie requests and handshakes to the direct address (if any) and through TCP_connection.c send_packet_tcp_connection (an online route, else out of band where the route is registered)',
    toxstate: 'the same (runtime/net-crypto/paths.ts transmit); the session leaves AcquiringIPAddress on a relay route',
    implementedBy: [fs('AcquiringIPAddress|relay.route|0', 'isRouted'), { file: 'runtime/net-crypto/paths.ts', symbol: 'transmit' }],
    provedBy: [ORACLE, T('test/interop/tcp-ctoxcore.test.ts', 'two TCP-only peers befriend through a c-toxcore relay')],
  },
  {
    id: 'tcp.relay-attempt-again',
    kind: 'transition',
    section: '§14.6',
    rule: 'Eight cookie requests unanswered while a relay still reaches the friend: a new attempt starts at once through the relay (the address, if any, is forgotten).',
    ctoxcore: 'friend_connection.c do_friend_connections re-creates the crypto connection at once, with the saved relays (connect_to_saved_tcp_relays)',
    toxstate: 'the same; without a relay the session goes back to AcquiringIPAddress (nc.max-tries)',
    implementedBy: [fs('AcquiringCookie|tick|3', 'isPhaseExhaustedRelayed')],
    provedBy: [ORACLE],
  },
  {
    id: 'tcp.path',
    kind: 'timer',
    section: '§14.6',
    rule: 'An established session is direct (UDP) while a packet arrived directly within UDP_DIRECT_TIMEOUT; otherwise it travels through a relay (TCP). It moves between the two without going offline.',
    ctoxcore: '8 s (net_crypto.c UDP_DIRECT_TIMEOUT, crypto_connection_status direct_connected); while not direct, small packets are also tried directly every 4 s (send_packet_to)',
    toxstate: `${s(8000)}; the path is reported to the session (path.changed → notify.path, the friend_path event); online says its path`,
    implementedBy: [fs('Established|path.changed|0', 'isOtherPath'), { file: 'runtime/net-crypto/constants.ts', symbol: 'UDP_DIRECT_TIMEOUT_MS' }],
    provedBy: [ORACLE],
  },
  {
    id: 'tcp.relayed-packets',
    kind: 'transition',
    section: '§14.6',
    rule: 'A cookie response, session packet or ALIVE that came through a relay confirms nothing about an address; only a direct one from the held address does.',
    ctoxcore: 'net_crypto.c: packets from TCP are matched by connection, not by ip_port (tcp_data_callback); only a UDP packet sets direct_lastrecv_timev',
    toxstate: 'the same (events carry via udp/tcp)',
    implementedBy: [fs('AcquiringCookie|packet.cookieResponse|1'), fs('AwaitingSessionPacket|packet.session|1'), fs('Established|packet.alive|1')],
    provedBy: [ORACLE],
  },
  {
    id: 'tcp.share-relays',
    kind: 'packet',
    section: '§5.1, §14.6',
    rule: "Relays are shared with a friend: up to three of ours on going online and every SHARE_RELAYS_INTERVAL (SHARE_RELAYS, 17), and up to two in our DHT-PK; a friend's shared relays are connected to and linked to its DHT key.",
    ctoxcore: '120 s, 3 relays (friend_connection.c send_relays, SHARE_RELAYS_INTERVAL, MAX_SHARED_RELAYS); 2 in the DHT-PK (onion_client.c send_dhtpk_announce)',
    toxstate: 'the same; ours go out with the first ALIVE at least 120 s after the last (the ALIVE timer, 8 s)',
    implementedBy: [{ file: 'runtime/messenger/messenger.ts', symbol: 'SHARE_RELAYS_INTERVAL_MS' }],
    provedBy: [T('test/interop/tcp-ctoxcore.test.ts', 'two TCP-only peers befriend through a c-toxcore relay')],
  },
  {
    id: 'tcp.server',
    kind: 'packet',
    section: '§14.4',
    rule: 'A relay answers the 128-byte client handshake with its 96-byte one, confirms on the first frame, pairs routes both ways with connect notifications, forwards data and out-of-band packets, answers pings, and pings its clients (30 s, 10 s for the pong).',
    ctoxcore: 'TCP_server.c handle_TCP_handshake, confirm_TCP_connection, handle_TCP_routing_req, handle_TCP_oob_send, do_TCP_confirmed',
    toxstate: 'the same (runtime/tcp/server.ts); unconfirmed connections are also closed after 10 s and connections are capped (256), with a relayed-bytes budget per connection',
    difference: 'c-toxcore keeps waiting sockets in a ring of 256 with no time limit and caps nothing else; toxstate bounds both (an attacker cannot hold the relay).',
    implementedBy: [{ file: 'runtime/tcp/server.ts', symbol: 'TcpServer' }],
    provedBy: [
      T('test/runtime/tcp-server.test.ts', 'pairs two clients that asked for each other'),
      T('test/runtime/tcp-server.test.ts', 'pings a confirmed client every 30 s'),
      T('test/runtime/tcp-server-hostile.test.ts', 'holds at most 256 connections'),
    ],
  },
  // ---- not implemented ------------------------------------------------------------------------
  ...(
    [
      ['ni.lan', '§2.6', 'LAN discovery (0x21) sending', 'never sent (docs/architecture.md §3: toxstate never broadcasts); received ones are answered only with the lanDiscovery option'],
      ['ni.tcp-proxy', '§14', 'TCP relays through an HTTP or SOCKS5 proxy (TCP_client.c proxy states)', 'direct connections to relays only'],
      ['ni.tcp-forwarding', '§14', 'TCP forwarding packets (10, 11) used by c-toxcore ≥ 0.2.19 announcements', 'recognised, counted and ignored'],
      ['ni.groups', '—', 'Group chats and conferences (96–100, 0x90–0x98 announce/forwarding)', 'recognised and counted, not handled'],
      ['ni.files', '—', 'File transfer (80–82)', 'not handled'],
      ['ni.av', '—', 'Audio/video (MSI 69, RTP lossy packets)', 'lossy packets counted, not handled'],
      ['ni.new-announce', '§3.1', 'Announce 0x87/0x88 (c-toxcore ≥ 0.2.19)', 'recognised, not used'],
    ] as const
  ).map(
    ([id, section, what, state]): Rule => ({
      id,
      kind: 'not-implemented',
      section,
      rule: what,
      ctoxcore: 'implemented',
      toxstate: `not implemented: ${state}`,
      implementedBy: [],
      provedBy: [],
    }),
  ),
];
