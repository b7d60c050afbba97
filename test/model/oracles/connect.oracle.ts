/**
 * Reference model of the `connect:<ours>:<friend>` task, written as a specification: a table of
 * rules derived from the seed notes (docs/architecture.md §1.3) and c-toxcore 0.2.18's DHT
 * friend search (toxcore/DHT.c), with its own constants. Independent of machines/connect.ts and
 * machines/constants.ts: nothing is imported from them.
 *
 * Seed: "while (policy=TryingToConnect and friend session is not established): if DHTKey is
 * fresh and SockAddr is stale, search the DHT for DHTKey; if both are fresh, handshake".
 *
 * TCP relays: "established" in the gate means established *directly* (over UDP). A session that
 * runs through a relay keeps the search going, as c-toxcore's DHT keeps searching for every DHT
 * key a friend connection holds whatever the connection's status (friend_connection.c
 * change_dht_pk → DHT.c dht_addfriend; dht_delfriend only when the key changes or goes stale in
 * do_friend_connections), so that the friend's node can be found and the session move to UDP
 * (net_crypto.c send_packet_to prefers a direct path). toxstate stops once the session is direct:
 * the seed's gate.
 */
import type { Expectation, ModelState, TimedEvent } from '../harness.js';
import { applyTable, at, earliestOf, type ModelDeadline, type Output, type Rule, type TableModel } from './rule-table.js';

// ---- constants, each with its source ---------------------------------------------------------
/** DHT.c MAX_BOOTSTRAP_TIMES = 5: rounds of nodes requests before GET_NODE_INTERVAL paces them. */
const BURST_ROUNDS = 5;
/** The burst's rounds one do_dht second apart (DHT.c do_ping_and_sendnode_requests; toxstate paces the burst at 1 s). */
const BURST_INTERVAL_MS = 1_000;
/** DHT.c GET_NODE_INTERVAL = 20 s: after the burst, one round this often. */
const GET_NODE_INTERVAL_MS = 20 * 1_000;
/** DHT.h PING_INTERVAL = 60 s: every known node of a search list is asked again this often. */
const PING_INTERVAL_MS = 60 * 1_000;

type Mode = 'Idle' | 'SearchingAddress' | 'Handshaking';
type Policy = 'TryingToConnect' | 'OpenToConnect' | 'RefusingToConnect';

interface Ctx {
  friendPk: string;
  now: number;
  dhtKey: string | null;
  dhtKeyFreshUntil: number | null;
  addressFreshUntil: number | null;
  established: boolean;
  direct: boolean;
  policy: Policy;
  rounds: number;
  searchAt: number | null;
  pingAt: number | null;
}

interface Facts {
  dhtKey: string | null;
  dhtKeyFreshUntil: number | null;
  addressFreshUntil: number | null;
  established: boolean;
  /** Established over UDP, not through a relay (net_crypto.c crypto_connection_status direct_connected). */
  direct: boolean;
  policy: Policy;
}

const factsOf = (e: TimedEvent): Facts => e as unknown as Facts;

/** The seed's rule: which mode the facts call for at `now`. */
function modeFor(f: Facts, now: number): Mode {
  const trying = f.policy === 'TryingToConnect' && !(f.established && f.direct);
  const keyFresh = f.dhtKey !== null && f.dhtKeyFreshUntil !== null && now < f.dhtKeyFreshUntil;
  if (!trying || !keyFresh) return 'Idle';
  const addressFresh = f.addressFreshUntil !== null && now < f.addressFreshUntil;
  return addressFresh ? 'Handshaking' : 'SearchingAddress';
}

const wantsOnFacts = (m: Mode) => (_c: Ctx, e: TimedEvent) => modeFor(factsOf(e), e.now) === m;
const wantsOnTick = (m: Mode) => (c: Ctx, e: TimedEvent) => modeFor(c, e.now) === m;

function takeFacts(c: Ctx, e: TimedEvent): void {
  const f = factsOf(e);
  c.dhtKey = f.dhtKey;
  c.dhtKeyFreshUntil = f.dhtKeyFreshUntil;
  c.addressFreshUntil = f.addressFreshUntil;
  c.established = f.established;
  c.direct = f.direct;
  c.policy = f.policy;
}

/** A new search: the first round now, the burst continues. */
function beginSearch(c: Ctx, now: number): Output[] {
  c.rounds = 1;
  c.searchAt = now + BURST_INTERVAL_MS;
  c.pingAt = null;
  return [{ type: 'dht.search', dhtKey: c.dhtKey }];
}

function endSearch(c: Ctx): void {
  c.rounds = 0;
  c.searchAt = null;
}

/** One more round: the burst's rounds 1 s apart, then one every GET_NODE_INTERVAL. */
function searchRound(c: Ctx, now: number): Output[] {
  const sent = c.rounds + 1;
  c.rounds = Math.min(sent, BURST_ROUNDS);
  c.searchAt = now + (sent < BURST_ROUNDS ? BURST_INTERVAL_MS : GET_NODE_INTERVAL_MS);
  return [{ type: 'dht.searchRound', dhtKey: c.dhtKey, round: c.rounds }];
}

const SEED_GATE = 'seed: while (policy=TryingToConnect and friend session is not established directly; DHT.c dht_addfriend keeps a relayed session searching)';
const SEED_STALE = 'seed: if DHTKey is fresh and SockAddr is stale: search the DHT for DHTKey';
const SEED_FRESH = 'seed: if DHTKey and SockAddr are fresh: handshake (friendSession does it)';

const RULES: readonly Rule<Mode, Ctx>[] = [
  // ---- facts: the session's facts and the policy, after every session step -------------------
  {
    in: ['Idle'], on: 'facts', when: wantsOnFacts('SearchingAddress'), to: 'SearchingAddress',
    then: (c, e) => (takeFacts(c, e), beginSearch(c, e.now)),
    cite: `${SEED_STALE}; DHT.c dht_addfriend (a search list for the key)`,
  },
  {
    in: ['Idle'], on: 'facts', when: wantsOnFacts('Handshaking'), to: 'Handshaking',
    then: (c, e) => {
      takeFacts(c, e);
      c.pingAt = e.now + PING_INTERVAL_MS;
      return [{ type: 'dht.search', dhtKey: c.dhtKey }];
    },
    cite: `${SEED_FRESH}; DHT.c dht_addfriend + do_ping_and_sendnode_requests (the friend's node re-checked every PING_INTERVAL)`,
  },
  { in: ['Idle'], on: 'facts', then: (c, e) => (takeFacts(c, e), []), cite: `${SEED_GATE}: nothing to do, remember the facts` },
  {
    in: ['SearchingAddress'], on: 'facts', when: wantsOnFacts('Idle'), to: 'Idle',
    then: (c, e) => (takeFacts(c, e), endSearch(c), [{ type: 'dht.searchStop' }]),
    cite: `${SEED_GATE}: established, not trying or key stale → stop; DHT.c dht_delfriend`,
  },
  {
    in: ['SearchingAddress'], on: 'facts', when: wantsOnFacts('Handshaking'), to: 'Handshaking',
    then: (c, e) => {
      takeFacts(c, e);
      endSearch(c);
      c.pingAt = e.now + PING_INTERVAL_MS;
      return [];
    },
    cite: `${SEED_FRESH}; DHT.h PING_INTERVAL`,
  },
  {
    in: ['SearchingAddress'], on: 'facts', when: (c, e) => factsOf(e).dhtKey !== c.dhtKey,
    then: (c, e) => (takeFacts(c, e), beginSearch(c, e.now)),
    cite: `${SEED_STALE} (a new DHTKey: search for it from the start); DHT.c dht_addfriend`,
  },
  { in: ['SearchingAddress'], on: 'facts', then: (c, e) => (takeFacts(c, e), []), cite: `${SEED_STALE}: same mode, remember the facts` },
  {
    in: ['Handshaking'], on: 'facts', when: wantsOnFacts('Idle'), to: 'Idle',
    then: (c, e) => {
      takeFacts(c, e);
      c.pingAt = null;
      return [{ type: 'dht.searchStop' }];
    },
    cite: `${SEED_GATE}: established, not trying or key stale → stop; DHT.c dht_delfriend`,
  },
  {
    in: ['Handshaking'], on: 'facts', when: wantsOnFacts('SearchingAddress'), to: 'SearchingAddress',
    then: (c, e) => (takeFacts(c, e), beginSearch(c, e.now)),
    cite: SEED_STALE,
  },
  { in: ['Handshaking'], on: 'facts', then: (c, e) => (takeFacts(c, e), []), cite: `${SEED_FRESH}: same mode, remember the facts` },

  // ---- tick: the remembered facts judged at the tick's time, then the task's own timers ------
  {
    in: ['SearchingAddress'], on: 'tick', when: wantsOnTick('Idle'), to: 'Idle',
    then: (c) => (endSearch(c), [{ type: 'dht.searchStop' }]),
    cite: 'friend_connection.h FRIEND_DHT_TIMEOUT: the DHT key went stale → stop (the dhtkey task looks for a new one)',
  },
  {
    in: ['SearchingAddress'], on: 'tick', when: (c, e) => c.searchAt !== null && e.now >= c.searchAt,
    then: (c, e) => searchRound(c, e.now),
    cite: 'DHT.c do_ping_and_sendnode_requests: MAX_BOOTSTRAP_TIMES rounds, then every GET_NODE_INTERVAL',
  },
  {
    in: ['Handshaking'], on: 'tick', when: wantsOnTick('Idle'), to: 'Idle',
    then: (c) => {
      c.pingAt = null;
      return [{ type: 'dht.searchStop' }];
    },
    cite: 'friend_connection.h FRIEND_DHT_TIMEOUT: the DHT key went stale → stop',
  },
  {
    in: ['Handshaking'], on: 'tick', when: wantsOnTick('SearchingAddress'), to: 'SearchingAddress',
    then: (c, e) => beginSearch(c, e.now),
    cite: `${SEED_STALE} (the address was not refreshed for FRIEND_DHT_TIMEOUT)`,
  },
  {
    in: ['Handshaking'], on: 'tick', when: (c, e) => c.pingAt !== null && e.now >= c.pingAt,
    then: (c, e) => {
      c.pingAt = e.now + PING_INTERVAL_MS;
      return [{ type: 'dht.pingFriend', dhtKey: c.dhtKey }];
    },
    cite: 'DHT.c do_ping_and_sendnode_requests: each node of a search list gets a nodes request every PING_INTERVAL',
  },
];

export const connectModel: TableModel<Mode, Ctx> = { rules: RULES, stateOf: (v) => v as Mode, valueOf: (s) => s };

export function connectInitial(input: unknown): Expectation {
  const { friendPk, now } = input as { friendPk: string; now: number };
  const context: Ctx = {
    friendPk,
    now,
    dhtKey: null,
    dhtKeyFreshUntil: null,
    addressFreshUntil: null,
    established: false,
    direct: false,
    policy: 'TryingToConnect',
    rounds: 0,
    searchAt: null,
    pingAt: null,
  };
  return { value: 'Idle', context, outputs: [] };
}

export const connectOracle = (state: ModelState, event: TimedEvent): Expectation => applyTable(connectModel, state, event);

/** When the task wants its next tick: the facts' expiry (the DHT key, and the address while handshaking), or its own timer. */
export function connectDeadline(state: ModelState): ModelDeadline | null {
  const mode = state.value as Mode;
  const c = state.context as Ctx;
  const keyStale = at(c.dhtKeyFreshUntil, 'DHT key goes stale');
  if (mode === 'Idle') return null;
  if (mode === 'SearchingAddress') {
    const reason = c.rounds < BURST_ROUNDS ? `DHT search round ${c.rounds + 1} (burst)` : 'DHT search round (every 20 s)';
    return earliestOf(keyStale, at(c.searchAt, reason));
  }
  return earliestOf(keyStale, at(c.addressFreshUntil, 'address goes stale'), at(c.pingAt, "re-check the friend's DHT node (every 60 s)"));
}
