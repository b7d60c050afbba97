/**
 * Model-based test configurations, one per machine: which events to try in each state,
 * which tick times, how to abstract a snapshot, and the oracle to check against.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { machineSpecs, type MachineName } from '../../machines/index.js';
import type { ModelConfig, TimedEvent } from './harness.js';
import { friendSessionModel } from './friend-session.config.js';
import { connectDeadline, connectInitial, connectOracle } from './oracles/connect.oracle.js';
import { dhtkeyShareDeadline, dhtkeyShareInitial, dhtkeyShareOracle } from './oracles/dhtkey-share.oracle.js';
import { toxidAnnounceDeadline, toxidAnnounceInitial, toxidAnnounceOracle } from './oracles/toxid-announce.oracle.js';
import { friendRequestDeadline, friendRequestInitial, friendRequestOracle } from './oracles/friend-request.oracle.js';
import { tcpRelayDeadline, tcpRelayInitial, tcpRelayOracle } from './oracles/tcp-relay.oracle.js';

export const K1 = 'aa'.repeat(32);
export const K2 = 'bb'.repeat(32);
const FRIEND = 'f0'.repeat(32);
const SELF = '5e'.repeat(32);
const A1 = '127.0.0.1:33445';
const A2 = '127.0.0.1:33446';
const T0 = 1_000_000;

/**
 * The traversal's abstraction of a snapshot: absolute times in context become "none", "due"
 * (at or before `now`) or "pending" — or, with `exact`, their distance from `now` (for the
 * small machines whose behaviour depends on how timers interleave); everything else is kept. Paths are still replayed with
 * the real times, so the abstraction only decides which states count as already visited.
 */
function relativeTimes(snapshot: AnyMachineSnapshot, timeFields: readonly string[], exact = false): string {
  const ctx = snapshot.context as Record<string, unknown> & { now: number };
  const view: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (k === 'now') continue;
    if (!timeFields.includes(k)) view[k] = v;
    else if (typeof v !== 'number') view[k] = 'none';
    else view[k] = v <= ctx.now ? 'due' : exact ? v - ctx.now : 'pending';
  }
  return JSON.stringify([snapshot.value, view]);
}

function numbers(snapshot: AnyMachineSnapshot, fields: readonly string[]): number[] {
  const ctx = snapshot.context as Record<string, unknown>;
  return fields.map((f) => ctx[f]).filter((v): v is number => typeof v === 'number');
}

const FRIEND_TIMES = ['dhtKeyFreshUntil', 'addressFreshUntil', 'resendAt', 'aliveSendAt', 'aliveDeadline', 'onlineSince'] as const;
const CONNECT_TIMES = ['dhtKeyFreshUntil', 'addressFreshUntil', 'searchAt', 'pingAt'] as const;
const DHTKEY_TIMES = ['searchAt', 'onionShareAt', 'dhtShareAt'] as const;
const TOXID_TIMES = ['roundAt', 'stableAt', 'offlineAt', 'announcedSince'] as const;
const REQUEST_TIMES = ['resendAt'] as const;

const nowOf = (s: AnyMachineSnapshot): number => (s.context as { now: number }).now;

const RELAY = 'c0'.repeat(32);
const RELAY_TIMES = ['connectDeadline', 'pingAt', 'pongDeadline', 'retryAt'] as const;
/** tcpRelay: when an idle confirmed relay may sleep (confirmed + 10 s, only while every use is direct and no onion). */
function relaySleepAt(s: AnyMachineSnapshot): number | null {
  const c = s.context as { confirmedAt: number | null; uses: number; sleepingUses: number; onion: boolean };
  return c.confirmedAt !== null && !c.onion && c.uses > 0 && c.uses === c.sleepingUses ? c.confirmedAt + 10_000 : null;
}
/** Every `uses` report worth trying: none, needed, all direct, some direct, onion only, all direct but onion. */
const RELAY_USES: readonly [number, number, boolean][] = [
  [0, 0, false],
  [1, 0, false],
  [1, 1, false],
  [2, 1, false],
  [2, 2, false],
  [0, 0, true],
  [2, 2, true],
];

export const modelConfigs: Record<MachineName, ModelConfig> = {
  friendSession: friendSessionModel,
  connect: {
    spec: machineSpecs.connect,
    input: { friendPk: FRIEND, now: T0 },
    events: (s) => {
      const now = nowOf(s);
      // `direct`: established over UDP; established but not direct is a session on a TCP relay.
      const facts = (dhtKey: string | null, keyFor: number | null, addrFor: number | null, established: boolean, policy = 'TryingToConnect', direct = established): TimedEvent =>
        ({ type: 'facts', now, dhtKey, dhtKeyFreshUntil: keyFor === null ? null : now + keyFor, addressFreshUntil: addrFor === null ? null : now + addrFor, established, direct, policy }) as TimedEvent;
      return [
        facts(null, null, null, false),
        facts(K1, 122_000, null, false),
        facts(K1, 122_000, 122_000, false),
        facts(K1, 50_000, 100_000, false),
        facts(K1, 122_000, 60_000, false),
        facts(K2, 122_000, null, false),
        facts(K1, 122_000, 122_000, true),
        // Established through a relay: the search goes on, with or without a fresh address.
        facts(K1, 122_000, null, true, 'TryingToConnect', false),
        facts(K1, 122_000, 122_000, true, 'TryingToConnect', false),
        facts(K1, 122_000, null, false, 'OpenToConnect'),
        facts(K1, 122_000, 122_000, false, 'RefusingToConnect'),
      ];
    },
    tickTimes: (s) => numbers(s, ['dhtKeyFreshUntil', 'addressFreshUntil', 'searchAt', 'pingAt']),
    serialize: (s) => relativeTimes(s, CONNECT_TIMES, true),
    initial: connectInitial,
    oracle: connectOracle,
    deadline: connectDeadline,
  },
  dhtkeyShare: {
    spec: machineSpecs.dhtkeyShare,
    input: { friendPk: FRIEND, now: T0 },
    events: (s) => {
      const now = nowOf(s);
      // A session on a relay (established, not direct) is online: the DHT key share stops (onion_client.c onion_set_friend_online on any connection).
      const facts = (dhtKey: string | null, established: boolean, policy = 'TryingToConnect', direct = established): TimedEvent =>
        ({ type: 'facts', now, dhtKey, dhtKeyFreshUntil: dhtKey ? now + 122_000 : null, addressFreshUntil: null, established, direct, policy }) as TimedEvent;
      return [facts(null, false), facts(K1, false), facts(K1, true), facts(K1, true, 'TryingToConnect', false), facts(K1, false, 'OpenToConnect'), facts(null, false, 'RefusingToConnect'), { type: 'nodes.available', now }, { type: 'search.found', now }, { type: 'search.lost', now }, { type: 'relays.available', now }] as TimedEvent[];
    },
    tickTimes: (s) => numbers(s, ['searchAt', 'onionShareAt', 'dhtShareAt']),
    serialize: (s) => relativeTimes(s, DHTKEY_TIMES),
    initial: dhtkeyShareInitial,
    oracle: dhtkeyShareOracle,
    deadline: dhtkeyShareDeadline,
  },
  toxidAnnounce: {
    spec: machineSpecs.toxidAnnounce,
    input: { selfPk: SELF, now: T0 },
    events: (s) => {
      const now = nowOf(s);
      return [
        { type: 'cmd.start', now },
        { type: 'cmd.stop', now },
        { type: 'nodes.available', now },
        { type: 'announce.pingId', now, node: A1 },
        { type: 'announce.response', now },
        { type: 'announce.response', now: now + 60_000 },
        { type: 'announce.stored', now },
        { type: 'announce.unstored', now },
      ] as TimedEvent[];
    },
    tickTimes: (s) => numbers(s, ['roundAt', 'stableAt', 'offlineAt']),
    serialize: (s) => relativeTimes(s, TOXID_TIMES, true),
    initial: toxidAnnounceInitial,
    oracle: toxidAnnounceOracle,
    deadline: toxidAnnounceDeadline,
  },
  friendRequest: {
    spec: machineSpecs.friendRequest,
    input: { friendPk: FRIEND, now: T0 },
    events: (s) => {
      const now = nowOf(s);
      const facts = (established: boolean, policy = 'TryingToConnect'): TimedEvent => ({ type: 'facts', now, dhtKey: null, dhtKeyFreshUntil: null, addressFreshUntil: null, established, direct: established, policy });
      return [{ type: 'search.found', now }, { type: 'search.lost', now }, facts(false), facts(true), facts(false, 'OpenToConnect'), facts(false, 'RefusingToConnect')];
    },
    tickTimes: (s) => numbers(s, ['resendAt']),
    // `sent` only counts rounds (it grows forever): the traversal sees 0, 1 or "more".
    serialize: (s) => relativeTimes({ ...s, context: { ...s.context, sent: Math.min((s.context as { sent: number }).sent, 2) } } as AnyMachineSnapshot, REQUEST_TIMES, true),
    initial: friendRequestInitial,
    oracle: friendRequestOracle,
    deadline: friendRequestDeadline,
  },
  tcpRelay: {
    spec: machineSpecs.tcpRelay,
    input: { relayPk: RELAY, address: A1, now: T0 },
    events: (s) => {
      const now = nowOf(s);
      return [
        { type: 'cmd.connect', now },
        { type: 'stream.opened', now },
        { type: 'handshake.accepted', now },
        { type: 'stream.failed', now, reason: 'closed' },
        { type: 'stream.failed', now, reason: 'bad handshake' },
        { type: 'pong', now },
        ...RELAY_USES.map(([uses, sleepingUses, onion]) => ({ type: 'uses', now, uses, sleepingUses, onion })),
        { type: 'cmd.stop', now, reason: 'surplus' },
      ];
    },
    // Each deadline just before (the harness adds t − 1), at, and just after.
    tickTimes: (s) => [...numbers(s, RELAY_TIMES), relaySleepAt(s)].filter((t): t is number => t !== null).flatMap((t) => [t, t + 1]),
    // The failure count only sets the pause (capped at 5 min from the 6th failure): 0…6, then "more".
    // When the relay was confirmed matters only through when it may sleep.
    serialize: (s) => {
      const c = s.context as { failures: number; now: number };
      const sleepAt = relaySleepAt(s);
      const view = { ...c, failures: Math.min(c.failures, 7), confirmedAt: (s.context as { confirmedAt: number | null }).confirmedAt === null ? 'none' : 'set', sleepIn: sleepAt === null ? 'none' : sleepAt <= c.now ? 'due' : sleepAt - c.now };
      return relativeTimes({ ...s, context: view } as AnyMachineSnapshot, RELAY_TIMES, true);
    },
    initial: tcpRelayInitial,
    oracle: tcpRelayOracle,
    deadline: tcpRelayDeadline,
  },
};
