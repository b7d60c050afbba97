/**
 * Property tests on the five state-core machines (fast-check): random sequences of typed events
 * with a monotone `now`, each followed by the runtime's tick loop (tick while
 * `nextDeadline ≤ now`, bounded as the engine bounds it). For every step:
 *   - the machine is in one of its declared states (never undefined);
 *   - every output is valid for the state it leaves the machine in (`send.cookieRequest` only
 *     while acquiring a cookie, `send.alive` only established, a round only while announcing…),
 *     and carries the key and address it needs;
 *   - after the tick loop no deadline is left in the past (the loop ends within its bound).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { machineSpecs, start, step, type MachineEvent, type MachineName } from '../../machines/index.js';
import { coreMachineSelected } from '../model/selection.js';

/** The engine's bound on timer rounds per input (runtime/engine.ts handleTimeout). */
const TICK_LOOP_BOUND = 64;

const KEYS = ['aa'.repeat(32), 'bb'.repeat(32), 'cc'.repeat(32)];
const ADDRS = ['127.0.0.1:33445', '127.0.0.2:33446'];

type EventMaker = (now: number) => MachineEvent & { now: number };
type Check = (from: unknown, to: unknown, outputs: readonly MachineEvent[], snapshot: AnyMachineSnapshot) => string | null;

interface Spec {
  readonly name: MachineName;
  readonly states: ReadonlyArray<string>;
  readonly events: fc.Arbitrary<EventMaker>;
  readonly check: Check;
}

const key = fc.constantFrom(...KEYS);
const addr = fc.constantFrom(...ADDRS);
const offset = fc.oneof(fc.constant(null), fc.integer({ min: -60_000, max: 250_000 }));
const tick = fc.constant<EventMaker>((now) => ({ type: 'tick', now }));
const plain = (type: string): fc.Arbitrary<EventMaker> => fc.constant<EventMaker>((now) => ({ type, now }));
const policy = fc.constantFrom('TryingToConnect', 'OpenToConnect', 'RefusingToConnect');
const facts = fc.record({ dhtKey: fc.oneof(fc.constant(null), key), k: offset, a: offset, established: fc.boolean(), policy }).map(
  (f): EventMaker =>
    (now) => ({ type: 'facts', now, dhtKey: f.dhtKey, dhtKeyFreshUntil: f.k === null ? null : now + f.k, addressFreshUntil: f.a === null ? null : now + f.a, established: f.established, policy: f.policy }),
);

const stateName = (v: unknown): string => (typeof v === 'string' ? v : Object.entries(v as Record<string, string>).map(([k, s]) => `${k}.${s}`)[0]!);
/** The per-friend policy a task remembers from its latest facts: only TryingToConnect friends get outbound work. */
const policyOf = (snap: AnyMachineSnapshot): string => String((snap.context as { policy?: unknown }).policy);
const nonEmpty = (x: unknown): boolean => typeof x === 'string' && x.length > 0;

const specs: Spec[] = [
  {
    name: 'friendSession',
    states: ['AwaitingDHTKey', 'AcquiringIPAddress', 'AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket', 'Established'],
    events: fc.oneof(
      fc.record({ k: key, s: fc.constantFrom('onion', 'dhtRoute') }).map((e): EventMaker => (now) => ({ type: 'dhtKey.learned', now, dhtKey: e.k, source: e.s })),
      fc.record({ a: addr, s: fc.constantFrom('dhtKeyPacket', 'dhtSearch') }).map((e): EventMaker => (now) => ({ type: 'address.learned', now, address: e.a, source: e.s })),
      fc.record({ k: key, a: addr }).map((e): EventMaker => (now) => ({ type: 'packet.handshake', now, dhtKey: e.k, address: e.a })),
      plain('packet.cookieResponse'),
      plain('packet.session'),
      plain('packet.alive'),
      plain('packet.kill'),
      tick,
    ),
    check(from, to, outputs, snap) {
      const c = snap.context as { dhtKey: string | null; address: string | null; resendAt: number | null; aliveDeadline: number | null; aliveSendAt: number | null };
      for (const o of outputs) {
        switch (o.type) {
          case 'send.cookieRequest':
            if (to !== 'AcquiringCookie') return `send.cookieRequest in ${String(to)}`;
            if (!nonEmpty(o['dhtKey']) || !nonEmpty(o['address'])) return 'send.cookieRequest without key or address';
            // Provenance decides (issue 15): never to a third party's unchecked claim.
            if ((snap.context as { address: { source: string } | null }).address?.source === 'dhtSearch') return 'send.cookieRequest to an unchecked dhtSearch claim';
            break;
          case 'send.addressCheck':
            // A DHT-search claim is checked before cookie requests go there (issue 15): only while acquiring the address.
            if (to !== 'AcquiringIPAddress') return `send.addressCheck in ${String(to)}`;
            if (!nonEmpty(o['dhtKey']) || !nonEmpty(o['address'])) return 'send.addressCheck without key or address';
            break;
          case 'send.handshake':
            if (to !== 'AwaitingHandshake' && to !== 'AwaitingSessionPacket') return `send.handshake in ${String(to)}`;
            if (!nonEmpty(o['dhtKey']) || !nonEmpty(o['address'])) return 'send.handshake without key or address';
            break;
          case 'send.confirm':
            if (to !== 'AwaitingSessionPacket' || !nonEmpty(o['address'])) return `send.confirm in ${String(to)}`;
            break;
          case 'send.alive':
            if (to !== 'Established') return `send.alive in ${String(to)}`;
            break;
          case 'notify.online':
            if (to !== 'Established' || from === 'Established') return `notify.online ${String(from)} → ${String(to)}`;
            break;
          case 'notify.offline':
            if (from !== 'Established' || to === 'Established') return `notify.offline ${String(from)} → ${String(to)}`;
            break;
          case 'session.close':
            if (from === 'AwaitingDHTKey') return 'session.close with no session';
            break;
          default:
            return `unknown output ${o.type}`;
        }
      }
      // What each state needs in context.
      if (to !== 'AwaitingDHTKey' && c.dhtKey === null) return `${String(to)} without a DHT key`;
      if (['AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket'].includes(String(to)) && (c.address === null || c.resendAt === null)) return `${String(to)} without address or resend deadline`;
      if (to === 'Established' && (c.aliveDeadline === null || c.aliveSendAt === null)) return 'Established without ALIVE deadlines';
      if (to !== 'Established' && (c.aliveDeadline !== null || c.aliveSendAt !== null)) return `${String(to)} with ALIVE deadlines armed`;
      return null;
    },
  },
  {
    name: 'toxidAnnounce',
    states: ['Offline', 'Announcing', 'Announced', 'Stable'],
    events: fc.oneof(
      plain('cmd.start'),
      plain('cmd.stop'),
      plain('nodes.available'),
      key.map((k): EventMaker => (now) => ({ type: 'announce.pingId', now, node: k })),
      plain('announce.response'),
      plain('announce.stored'),
      plain('announce.unstored'),
      tick,
      tick,
    ),
    check(from, to, outputs) {
      for (const o of outputs) {
        switch (o.type) {
          case 'onion.announceRound': {
            const want = { searching: 'Announcing', announced: 'Announced', stable: 'Stable' }[String(o['mode'])];
            if (to !== want) return `announceRound(${String(o['mode'])}) in ${String(to)}`;
            break;
          }
          case 'onion.announceTo':
            if (to === 'Offline' || !nonEmpty(o['node'])) return `announceTo in ${String(to)}`;
            break;
          case 'notify.announced':
            if (to !== 'Announced' || from !== 'Announcing') return `notify.announced ${String(from)} → ${String(to)}`;
            break;
          case 'notify.unannounced':
            if ((from !== 'Announced' && from !== 'Stable') || (to !== 'Announcing' && to !== 'Offline')) return `notify.unannounced ${String(from)} → ${String(to)}`;
            break;
          default:
            return `unknown output ${o.type}`;
        }
      }
      return null;
    },
  },
  {
    name: 'dhtkeyShare',
    states: ['Idle', 'Active.Searching', 'Active.Sharing'],
    events: fc.oneof(facts, plain('nodes.available'), plain('search.found'), plain('search.lost'), plain('relays.available'), tick, tick),
    check(_from, to, outputs, snap) {
      const t = stateName(to);
      if (outputs.length > 0 && policyOf(snap) !== 'TryingToConnect') return `${outputs[0]!.type} for a ${policyOf(snap)} friend`;
      for (const o of outputs) {
        switch (o.type) {
          case 'onion.searchFriend':
            if (!t.startsWith('Active')) return `searchFriend in ${t}`;
            break;
          case 'onion.sendDhtPk':
            if (t !== 'Active.Sharing') return `onion.sendDhtPk in ${t}`;
            break;
          case 'dht.sendDhtPk':
            if (!t.startsWith('Active') || !nonEmpty(o['friendDhtKey'])) return `dht.sendDhtPk in ${t} (key ${String(o['friendDhtKey'])})`;
            break;
          default:
            return `unknown output ${o.type}`;
        }
      }
      return null;
    },
  },
  {
    name: 'connect',
    states: ['Idle', 'SearchingAddress', 'Handshaking'],
    events: fc.oneof(facts, tick),
    check(_from, to, outputs, snap) {
      const outbound = outputs.find((o) => o.type !== 'dht.searchStop');
      if (outbound && policyOf(snap) !== 'TryingToConnect') return `${outbound.type} for a ${policyOf(snap)} friend`;
      for (const o of outputs) {
        switch (o.type) {
          case 'dht.search':
            if ((to !== 'SearchingAddress' && to !== 'Handshaking') || !nonEmpty(o['dhtKey'])) return `dht.search in ${String(to)}`;
            break;
          case 'dht.searchRound':
            if (to !== 'SearchingAddress' || !nonEmpty(o['dhtKey'])) return `dht.searchRound in ${String(to)}`;
            break;
          case 'dht.pingFriend':
            if (to !== 'Handshaking' || !nonEmpty(o['dhtKey'])) return `dht.pingFriend in ${String(to)}`;
            break;
          case 'dht.searchStop':
            if (to !== 'Idle') return `dht.searchStop in ${String(to)}`;
            break;
          default:
            return `unknown output ${o.type}`;
        }
      }
      return null;
    },
  },
  {
    name: 'friendRequest',
    states: ['Pending', 'Sent', 'Accepted'],
    events: fc.oneof(facts, plain('search.found'), plain('search.lost'), tick, tick),
    check(from, to, outputs, snap) {
      const sent = outputs.find((o) => o.type === 'onion.sendFriendRequest');
      if (sent && policyOf(snap) !== 'TryingToConnect') return `a friend request to a ${policyOf(snap)} friend`;
      for (const o of outputs) {
        switch (o.type) {
          case 'onion.sendFriendRequest':
            if (to !== 'Sent') return `sendFriendRequest in ${String(to)}`;
            break;
          case 'notify.requestAccepted':
            if (to !== 'Accepted' || from === 'Accepted') return `requestAccepted ${String(from)} → ${String(to)}`;
            break;
          default:
            return `unknown output ${o.type}`;
        }
      }
      return null;
    },
  },
];

const delta = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 400_000 }));

/** States each machine was seen in (the properties must not hold only near the initial state). */
const visited = new Map<MachineName, Set<string>>();

/** Runs one sequence; returns the first violation, or null. */
function run(spec: Spec, seq: ReadonlyArray<readonly [number, EventMaker]>): string | null {
  const seen = visited.get(spec.name) ?? new Set<string>();
  visited.set(spec.name, seen);
  const done = (): boolean => snap.status === 'done';
  const machine: AnyStateMachine = machineSpecs[spec.name].machine;
  const nextDeadline = machineSpecs[spec.name].nextDeadline;
  let now = 1_000;
  let snap = start(machine, spec.name === 'toxidAnnounce' ? { selfPk: KEYS[0], now } : { friendPk: KEYS[2], now }).snapshot;
  const apply = (event: MachineEvent): string | null => {
    const from = snap.value;
    const r = step(machine, snap, event);
    snap = r.snapshot;
    if (snap.status !== 'active' && snap.status !== 'done') return `status ${snap.status}`;
    if (snap.value === undefined || !spec.states.includes(stateName(snap.value))) return `undefined state ${JSON.stringify(snap.value)}`;
    seen.add(stateName(snap.value));
    return spec.check(from, snap.value, r.outputs, snap);
  };
  for (const [d, make] of seq) {
    if (done()) break; // the engine removes a finished actor
    now += d;
    const bad = apply(make(now));
    if (bad) return `${bad} (after ${make(now).type} at ${now})`;
    // The runtime's tick loop: tick while a deadline has passed, within the engine's bound.
    let rounds = 0;
    for (;;) {
      const dl = nextDeadline(snap);
      if (dl === null || dl.at > now || done()) break;
      if (++rounds > TICK_LOOP_BOUND) return `deadline ${dl.at} (${dl.reason}) stays in the past at ${now}`;
      const v = apply({ type: 'tick', now });
      if (v) return `${v} (tick at ${now})`;
    }
  }
  return null;
}

describe('machine properties under random event sequences', () => {
  for (const spec of specs) {
    it.runIf(coreMachineSelected(spec.name))(`${spec.name}: always a declared state, outputs valid for it, no deadline left in the past`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(delta, spec.events), { minLength: 1, maxLength: 60 }), (seq) => {
          const v = run(spec, seq);
          if (v !== null) throw new Error(v);
        }),
        { numRuns: 400, seed: 20261126 },
      );
      expect([...(visited.get(spec.name) ?? [])].sort()).toEqual([...spec.states].sort());
    });
  }

  it('the checks are not vacuous: an output in the wrong state is reported', () => {
    const spec = specs[0]!;
    expect(spec.check('AwaitingDHTKey', 'AwaitingDHTKey', [{ type: 'send.alive' }], start(machineSpecs.friendSession.machine, { friendPk: KEYS[0], now: 0 }).snapshot)).toBe('send.alive in AwaitingDHTKey');
    expect(spec.check('Established', 'AcquiringCookie', [{ type: 'send.cookieRequest', dhtKey: '', address: '' }], start(machineSpecs.friendSession.machine, { friendPk: KEYS[0], now: 0 }).snapshot)).toMatch(/without key or address/);
  });
});
