/**
 * Reference model of the `dhtkey:<ours>:<friend>` task, written as a specification: a table of
 * rules derived from the seed notes (docs/architecture.md §1.3) and c-toxcore 0.2.18's
 * onion_client.c `do_friend`, with its own constants. Independent of machines/dhtkey-share.ts
 * and machines/constants.ts: nothing is imported from them.
 *
 * Seed: "while (policy=TryingToConnect and friend session is not established) search{toxid}
 * contact, send my dhtkey to results".
 */
import type { Expectation, ModelState, TimedEvent } from '../harness.js';
import { applyTable, at, earliestOf, type ModelDeadline, type Output, type Rule, type TableModel } from './rule-table.js';

// ---- constants, each with its source ---------------------------------------------------------
/** onion_client.c ANNOUNCE_FRIEND_NEW_INTERVAL = 3 s: search interval while the friend is new. */
const NEW_INTERVAL_MS = 3 * 1_000;
/** onion_client.c ANNOUNCE_FRIEND_RUN_COUNT_BEGINNING = 5: the friend is new while run_count ≤ 5. */
const RUN_COUNT_BEGINNING = 5;
/** onion_client.c MAX_RUN_COUNT_EXPONENT = 12. */
const MAX_RUN_COUNT_EXPONENT = 12;
/** onion_client.c ANNOUNCE_FRIEND_MAX_INTERVAL = 60 × 60 s. */
const MAX_INTERVAL_MS = 60 * 60 * 1_000;
/** onion_client.h ONION_DHTPK_SEND_INTERVAL = 30 s. */
const ONION_DHTPK_INTERVAL_MS = 30 * 1_000;
/** onion_client.h DHT_DHTPK_SEND_INTERVAL = 20 s. */
const DHT_DHTPK_INTERVAL_MS = 20 * 1_000;

/** onion_client.c do_friend: `interval = friend_is_new ? 3 : min(1 << min(12, run_count − 2), 3600)` seconds. */
function searchInterval(runCount: number): number {
  if (runCount <= RUN_COUNT_BEGINNING) return NEW_INTERVAL_MS;
  return Math.min(2 ** Math.min(MAX_RUN_COUNT_EXPONENT, runCount - 2) * 1_000, MAX_INTERVAL_MS);
}

/**
 * The run_count past which counting changes nothing: the first one whose interval is the
 * ceiling (toxstate saturates run_count there). Computed from the rule above, not copied.
 */
const RUN_COUNT_CAP = ((): number => {
  let n = RUN_COUNT_BEGINNING + 1;
  while (searchInterval(n) < MAX_INTERVAL_MS) n++;
  return n;
})();

type Where = 'Idle' | 'Searching' | 'Sharing';
type Policy = 'TryingToConnect' | 'OpenToConnect' | 'RefusingToConnect';

interface Ctx {
  friendPk: string;
  now: number;
  friendDhtKey: string | null;
  policy: Policy;
  runCount: number;
  searchAt: number | null;
  onionShareAt: number | null;
  dhtShareAt: number | null;
}

type Facts = { dhtKey: string | null; established: boolean; policy: Policy };
const factsOf = (e: TimedEvent): Facts => e as unknown as Facts;
/** The seed's gate. */
const wanted = (e: TimedEvent): boolean => factsOf(e).policy === 'TryingToConnect' && !factsOf(e).established;

/** Remembers the friend's DHT key and policy; a newly known key makes the DHT-route DHT-PK due at once. */
function takeFacts(c: Ctx, e: TimedEvent): void {
  const f = factsOf(e);
  if (f.dhtKey === null) c.dhtShareAt = null;
  else if (f.dhtKey !== c.friendDhtKey) c.dhtShareAt = e.now;
  c.friendDhtKey = f.dhtKey;
  c.policy = f.policy;
}

/** One search round: run_count grows (saturating) and the next round follows the backoff rule. */
function search(c: Ctx, now: number): Output[] {
  c.runCount = Math.min(c.runCount + 1, RUN_COUNT_CAP);
  c.searchAt = now + searchInterval(c.runCount);
  return [{ type: 'onion.searchFriend', runCount: c.runCount }];
}

const due = (at: number | null, now: number): boolean => at !== null && now >= at;
const DO_FRIEND = 'onion_client.c do_friend';

const RULES: readonly Rule<Where, Ctx>[] = [
  {
    in: ['Idle'], on: 'facts', when: (_c, e) => wanted(e), to: 'Searching',
    then: (c, e) => {
      takeFacts(c, e);
      c.runCount = 0;
      c.searchAt = e.now;
      return [];
    },
    cite: `seed: while (policy=TryingToConnect and friend session is not established) search{toxid} contact; onion_client.c onion_set_friend_online (run_count = 0 when the friend goes offline)`,
  },
  { in: ['Idle'], on: 'facts', then: (c, e) => (takeFacts(c, e), []), cite: 'seed gate closed: remember the facts' },
  {
    in: ['Searching', 'Sharing'], on: 'facts', when: (_c, e) => !wanted(e), to: 'Idle',
    then: (c, e) => {
      takeFacts(c, e);
      c.searchAt = null;
      c.onionShareAt = null;
      c.dhtShareAt = null;
      return [];
    },
    cite: `seed gate closed (established, or not TryingToConnect); ${DO_FRIEND}: nothing while the friend is online`,
  },
  { in: ['Searching', 'Sharing'], on: 'facts', then: (c, e) => (takeFacts(c, e), []), cite: 'seed gate open: remember the facts' },
  {
    in: ['Searching'], on: 'nodes.available', then: (c, e) => search(c, e.now),
    cite: `${DO_FRIEND} (toxstate: search the moment onion path nodes exist, docs/architecture.md §1.3)`,
  },
  {
    in: ['Searching'], on: 'search.found', to: 'Sharing',
    then: (c, e) => {
      c.onionShareAt = e.now + ONION_DHTPK_INTERVAL_MS;
      return [{ type: 'onion.sendDhtPk' }];
    },
    cite: `seed: send my dhtkey to results; ${DO_FRIEND} (last_dht_pk_onion_sent, ONION_DHTPK_SEND_INTERVAL)`,
  },
  { in: ['Sharing'], on: 'search.lost', to: 'Searching', then: (c) => ((c.onionShareAt = null), []), cite: `${DO_FRIEND}: no node stores the friend, nothing to send through` },
  {
    // Only where a DHT-PK goes over the onion at all: in Searching it goes out when the friend is found.
    in: ['Sharing'], on: 'relays.available',
    then: (c, e) => {
      c.onionShareAt = e.now + ONION_DHTPK_INTERVAL_MS;
      return [{ type: 'onion.sendDhtPk' }];
    },
    cite: `toxstate's choice (issue 17): a DHT-PK names up to 2 connected TCP relays, so when the first relay confirms it is sent over the onion at once and the ${ONION_DHTPK_INTERVAL_MS / 1000} s restarts`,
  },
  // One timer per tick: the state's own first, then the DHT route (the runtime ticks again while one is due).
  {
    in: ['Sharing'], on: 'tick', when: (c, e) => due(c.onionShareAt, e.now),
    then: (c, e) => {
      c.onionShareAt = e.now + ONION_DHTPK_INTERVAL_MS;
      return [{ type: 'onion.sendDhtPk' }];
    },
    cite: `${DO_FRIEND}: DHT-PK over the onion every ONION_DHTPK_SEND_INTERVAL`,
  },
  {
    in: ['Searching', 'Sharing'], on: 'tick', when: (c, e) => due(c.searchAt, e.now),
    then: (c, e) => search(c, e.now),
    cite: `${DO_FRIEND}: announce requests for the friend, 3 s while new, then 2^min(12, run_count − 2) s up to 3600 s`,
  },
  {
    in: ['Searching', 'Sharing'], on: 'tick', when: (c, e) => c.friendDhtKey !== null && due(c.dhtShareAt, e.now),
    then: (c, e) => {
      c.dhtShareAt = e.now + DHT_DHTPK_INTERVAL_MS;
      return [{ type: 'dht.sendDhtPk', friendDhtKey: c.friendDhtKey }];
    },
    cite: `${DO_FRIEND}: DHT-PK along a DHT route every DHT_DHTPK_SEND_INTERVAL (send_dhtpk_announce, needs the friend's DHT key)`,
  },
];

const VALUES: Record<Where, unknown> = { Idle: 'Idle', Searching: { Active: 'Searching' }, Sharing: { Active: 'Sharing' } };

export const dhtkeyShareModel: TableModel<Where, Ctx> = {
  rules: RULES,
  stateOf: (v) => (v === 'Idle' ? 'Idle' : ((v as { Active: Where }).Active)),
  valueOf: (s) => VALUES[s],
};

export function dhtkeyShareInitial(input: unknown): Expectation {
  const { friendPk, now } = input as { friendPk: string; now: number };
  const context: Ctx = { friendPk, now, friendDhtKey: null, policy: 'TryingToConnect', runCount: 0, searchAt: null, onionShareAt: null, dhtShareAt: null };
  return { value: 'Idle', context, outputs: [] };
}

export const dhtkeyShareOracle = (state: ModelState, event: TimedEvent): Expectation => applyTable(dhtkeyShareModel, state, event);

/** While active: the next search round, the next DHT-PK over the onion (while sharing) and over a DHT route (while the key is known). */
export function dhtkeyShareDeadline(state: ModelState): ModelDeadline | null {
  const where = dhtkeyShareModel.stateOf(state.value);
  const c = state.context as Ctx;
  if (where === 'Idle') return null;
  return earliestOf(
    at(c.searchAt, `onion search for the friend (run ${c.runCount}, every ${searchInterval(c.runCount) / 1000} s)`),
    where === 'Sharing' ? at(c.onionShareAt, 'DHT-PK over the onion (every 30 s)') : null,
    c.friendDhtKey !== null ? at(c.dhtShareAt, 'DHT-PK over a DHT route (every 20 s)') : null,
  );
}
