/**
 * Reference model of the `toxid:<our key>` task, written as a specification: a table of rules
 * derived from the seed notes (docs/architecture.md §1.3) and c-toxcore 0.2.18's
 * onion_client.c `do_announce` / `onion_isconnected`, with toxstate's documented differences
 * (no 3 s start delay, a round the moment path nodes appear, re-announce at once to a node with
 * a fresh ping_id) and its own constants. Independent of machines/toxid-announce.ts and
 * machines/constants.ts: nothing is imported from them.
 *
 * Seed: "toxid:<ours> — while online: find the nodes closest to our key and stay announced there".
 */
import type { Expectation, ModelState, TimedEvent } from '../harness.js';
import { applyTable, at, earliestOf, type ModelDeadline, type Output, type Rule, type TableModel } from './rule-table.js';

// ---- constants, each with its source ---------------------------------------------------------
/** onion_client.h ONION_NODE_PING_INTERVAL = 15 s. */
const NODE_PING_INTERVAL_MS = 15 * 1_000;
/** onion_client.h ONION_NODE_MAX_PINGS = 3. */
const NODE_MAX_PINGS = 3;
/** onion_client.c ANNOUNCE_INTERVAL_NOT_ANNOUNCED = 3 s. */
const INTERVAL_NOT_ANNOUNCED_MS = 3 * 1_000;
/** onion_client.c ANNOUNCE_INTERVAL_ANNOUNCED = ONION_NODE_PING_INTERVAL. */
const INTERVAL_ANNOUNCED_MS = NODE_PING_INTERVAL_MS;
/** onion_client.c TIME_TO_STABLE = ONION_NODE_PING_INTERVAL × 6. */
const TIME_TO_STABLE_MS = NODE_PING_INTERVAL_MS * 6;
/** onion_client.h ONION_OFFLINE_TIMEOUT = ONION_NODE_PING_INTERVAL × (ONION_NODE_MAX_PINGS + 2). */
const OFFLINE_TIMEOUT_MS = NODE_PING_INTERVAL_MS * (NODE_MAX_PINGS + 2);

type Mode = 'Offline' | 'Announcing' | 'Announced' | 'Stable';
const ONLINE: readonly Mode[] = ['Announcing', 'Announced', 'Stable'];
const STORED: readonly Mode[] = ['Announced', 'Stable'];

interface Ctx {
  selfPk: string;
  now: number;
  roundAt: number | null;
  stableAt: number | null;
  offlineAt: number | null;
  announcedSince: number | null;
}

const due = (at: number | null, now: number): boolean => at !== null && now >= at;
const round = (mode: 'searching' | 'announced' | 'stable'): Output => ({ type: 'onion.announceRound', mode });
const alive = (c: Ctx, now: number): void => void (c.offlineAt = now + OFFLINE_TIMEOUT_MS);
function searchingRound(c: Ctx, now: number): Output {
  c.roundAt = now + INTERVAL_NOT_ANNOUNCED_MS;
  return round('searching');
}
function stop(c: Ctx): void {
  c.roundAt = null;
  c.stableAt = null;
  c.offlineAt = null;
  c.announcedSince = null;
}
/** No longer stored: back to searching rounds. */
function unannounce(c: Ctx, now: number, reason: string): Output[] {
  c.announcedSince = null;
  c.stableAt = null;
  return [{ type: 'notify.unannounced', reason }, searchingRound(c, now)];
}

const DO_ANNOUNCE = 'onion_client.c do_announce';
const IS_CONNECTED = 'onion_client.c onion_isconnected (last_packet_recv, ONION_OFFLINE_TIMEOUT)';

const RULES: readonly Rule<Mode, Ctx>[] = [
  {
    in: ['Offline'], on: 'cmd.start', to: 'Announcing',
    then: (c, e) => {
      const r = searchingRound(c, e.now);
      alive(c, e.now);
      return [r];
    },
    cite: `seed: toxid:<ours> while online; ${DO_ANNOUNCE} (toxstate: the first round at once, no 3 s start delay)`,
  },
  { in: ['Announcing'], on: 'cmd.stop', to: 'Offline', then: (c) => (stop(c), []), cite: 'seed: toxid:<ours> only while online' },
  {
    in: STORED, on: 'cmd.stop', to: 'Offline',
    then: (c) => (stop(c), [{ type: 'notify.unannounced', reason: 'stopped' }]),
    cite: 'seed: toxid:<ours> only while online (an announced account says it is no longer announced)',
  },
  {
    in: ['Announcing'], on: 'nodes.available', then: (c, e) => [searchingRound(c, e.now)],
    cite: `${DO_ANNOUNCE} (toxstate: a round the moment path nodes appear)`,
  },
  {
    in: ONLINE, on: 'announce.pingId',
    then: (c, e) => (alive(c, e.now), [{ type: 'onion.announceTo', node: e['node'] }]),
    cite: `onion_client.c handle_announce_response (a response; a new ping_id) — toxstate re-announces to that node at once`,
  },
  { in: ONLINE, on: 'announce.response', then: (c, e) => (alive(c, e.now), []), cite: IS_CONNECTED },
  {
    in: ['Announcing'], on: 'announce.stored', to: 'Announced',
    then: (c, e) => {
      alive(c, e.now);
      c.announcedSince = e.now;
      c.stableAt = e.now + TIME_TO_STABLE_MS;
      c.roundAt = e.now + INTERVAL_ANNOUNCED_MS;
      return [{ type: 'notify.announced' }];
    },
    cite: `${DO_ANNOUNCE}: a stored node is re-announced every ANNOUNCE_INTERVAL_ANNOUNCED; stable after TIME_TO_STABLE`,
  },
  { in: ['Announced'], on: 'announce.stored', then: (c, e) => (alive(c, e.now), []), cite: `${IS_CONNECTED}: another node stores us` },
  {
    in: STORED, on: 'announce.unstored', to: 'Announcing', then: (c, e) => unannounce(c, e.now, 'no node stores us any more'),
    cite: `${DO_ANNOUNCE}: no stored node → ANNOUNCE_INTERVAL_NOT_ANNOUNCED`,
  },
  {
    in: ['Announcing'], on: 'tick', when: (c, e) => due(c.offlineAt, e.now),
    then: (c, e) => {
      alive(c, e.now);
      return [searchingRound(c, e.now)];
    },
    cite: `${IS_CONNECTED}: no response for ONION_OFFLINE_TIMEOUT — keep trying with fresh nodes`,
  },
  {
    in: STORED, on: 'tick', when: (c, e) => due(c.offlineAt, e.now), to: 'Announcing',
    then: (c, e) => {
      alive(c, e.now);
      return unannounce(c, e.now, 'no announce response for 75 s');
    },
    cite: `${IS_CONNECTED}: no response for ONION_OFFLINE_TIMEOUT — not announced any more`,
  },
  { in: ['Announcing'], on: 'tick', when: (c, e) => due(c.roundAt, e.now), then: (c, e) => [searchingRound(c, e.now)], cite: `${DO_ANNOUNCE}: ANNOUNCE_INTERVAL_NOT_ANNOUNCED` },
  {
    in: ['Announced'], on: 'tick', when: (c, e) => due(c.stableAt, e.now), to: 'Stable', then: (c) => ((c.stableAt = null), []),
    cite: `${DO_ANNOUNCE}: stored for TIME_TO_STABLE → ANNOUNCE_INTERVAL_STABLE per node`,
  },
  {
    in: ['Announced'], on: 'tick', when: (c, e) => due(c.roundAt, e.now),
    then: (c, e) => ((c.roundAt = e.now + INTERVAL_ANNOUNCED_MS), [round('announced')]),
    cite: `${DO_ANNOUNCE}: ANNOUNCE_INTERVAL_ANNOUNCED`,
  },
  {
    in: ['Stable'], on: 'tick', when: (c, e) => due(c.roundAt, e.now),
    then: (c, e) => ((c.roundAt = e.now + INTERVAL_ANNOUNCED_MS), [round('stable')]),
    cite: `${DO_ANNOUNCE}: last_announce — at least one announce every ONION_NODE_PING_INTERVAL`,
  },
];

export const toxidAnnounceModel: TableModel<Mode, Ctx> = { rules: RULES, stateOf: (v) => v as Mode, valueOf: (s) => s };

export function toxidAnnounceInitial(input: unknown): Expectation {
  const { selfPk, now } = input as { selfPk: string; now: number };
  const context: Ctx = { selfPk, now, roundAt: null, stableAt: null, offlineAt: null, announcedSince: null };
  return { value: 'Offline', context, outputs: [] };
}

export const toxidAnnounceOracle = (state: ModelState, event: TimedEvent): Expectation => applyTable(toxidAnnounceModel, state, event);

/** While online: the onion-lost timeout, becoming stable (while announced), the next round. */
export function toxidAnnounceDeadline(state: ModelState): ModelDeadline | null {
  const mode = state.value as Mode;
  const c = state.context as Ctx;
  const lost = at(c.offlineAt, 'onion lost (no announce response for 75 s)');
  switch (mode) {
    case 'Offline':
      return null;
    case 'Announcing':
      return earliestOf(lost, at(c.roundAt, 'announce round (every 3 s)'));
    case 'Announced':
      return earliestOf(lost, at(c.stableAt, 'announcement becomes stable (90 s)'), at(c.roundAt, 're-announce round (every 15 s)'));
    case 'Stable':
      return earliestOf(lost, at(c.roundAt, 're-announce round, stable (every 15 s)'));
  }
}
