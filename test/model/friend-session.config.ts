/**
 * The friendSession's model-based test configuration: which events to try in each state (DHT
 * keys and addresses from every source, so every rank comparison is exercised; relay routes coming
 * and going, packets over UDP and through a relay, path changes both ways), which tick times, and
 * how a snapshot is abstracted for the traversal (facts as value, source up to rank and whether fresh; other
 * times as none/due/pending; whether a relay reaches the friend and the session's path).
 */
import type { AnyMachineSnapshot } from 'xstate';
import { machineSpecs } from '../../machines/index.js';
import type { ModelConfig, TimedEvent } from './harness.js';
import { friendSessionDeadline, friendSessionInitial, friendSessionOracle } from './oracles/friend-session.oracle.js';

const K1 = 'aa'.repeat(32);
const K2 = 'bb'.repeat(32);
const FRIEND = 'f0'.repeat(32);
const A1 = '127.0.0.1:33445';
const A2 = '127.0.0.1:33446';
const T0 = 1_000_000;

type FactView = { value: string; source: string; freshUntil: number } | null;
type Ctx = Record<string, unknown> & { now: number; dhtKey: FactView; address: FactView; relayed: boolean; tries: number };

const TIMERS = ['resendAt', 'aliveSendAt', 'aliveDeadline', 'onlineSince'] as const;
/** DHT key sources of rank 2 (a signed DHT-PK, or the handshake of a session that ended), named as one for the traversal. */
const SAME_RANK: Readonly<Record<string, string>> = { dhtRoute: 'onion', pastHandshake: 'onion' };

function serialize(s: AnyMachineSnapshot): string {
  const c = s.context as Ctx;
  const timer = (v: unknown): string => (typeof v !== 'number' ? 'none' : v <= c.now ? 'due' : 'pending');
  // Sources of the same rank behave alike (the guards compare ranks; a report of equal rank keeps
  // the source held), so the traversal sees a DHT key's onion, dhtRoute and pastHandshake as one;
  // the oracle still checks the exact source at every step.
  const fact = (f: FactView) => (f === null ? null : [f.value, SAME_RANK[f.source] ?? f.source, c.now < f.freshUntil ? 'fresh' : 'stale']);
  // Which fact expires first decides which staleness rule a later tick meets.
  // Which fact expires first, and whether before the next resend, decides which rule a later
  // tick meets: states that differ only there are different states for the traversal.
  const order = c.dhtKey && c.address ? Math.sign(c.dhtKey.freshUntil - c.address.freshUntil) : null;
  const resendAt = c.resendAt as number | null;
  const beforeResend = (f: FactView) => (f !== null && resendAt !== null ? f.freshUntil <= resendAt : null);
  // Whether a relay reaches the friend decides only what a cookie phase that has run out does (a
  // route may come or go at any try: the traversal offers relay.route at the last one); the path
  // is set only while Established.
  const relayed = s.value === 'AcquiringCookie' && c.tries === 8 ? c.relayed : null;
  return JSON.stringify([s.value, fact(c.dhtKey), fact(c.address), order, beforeResend(c.dhtKey), beforeResend(c.address), c.tries, relayed, c['path'], ...TIMERS.map((k) => timer(c[k]))]);
}

function tickTimes(s: AnyMachineSnapshot): number[] {
  const c = s.context as Ctx;
  const times = [c.dhtKey?.freshUntil, c.address?.freshUntil, c.resendAt, c.aliveSendAt, c.aliveDeadline];
  return times.filter((t): t is number => typeof t === 'number');
}

export const friendSessionModel: ModelConfig = {
  spec: machineSpecs.friendSession,
  input: { friendPk: FRIEND, now: T0 },
  initial: friendSessionInitial,
  events: (s) => {
    const c = s.context as Ctx;
    const now = c.now;
    // A report that arrives the moment the key went stale, before the tick that would forget it
    // (a datagram and a timer due at the same instant): a weaker source may then replace the key.
    // The same key reported at that instant is learned anew (a stale fact is not confirmed).
    const atKeyExpiry: TimedEvent[] =
      c.dhtKey && c.dhtKey.freshUntil > now
        ? [
            { type: 'dhtKey.learned', now: c.dhtKey.freshUntil, dhtKey: K2, source: 'onion' },
            { type: 'dhtKey.learned', now: c.dhtKey.freshUntil, dhtKey: c.dhtKey.value, source: 'dhtRoute' },
          ]
        : [];
    return [
      ...atKeyExpiry,
      { type: 'dhtKey.learned', now, dhtKey: K1, source: 'onion' },
      // K1 from the other source of the same rank: confirmed, the source it was learned from kept.
      { type: 'dhtKey.learned', now, dhtKey: K1, source: 'dhtRoute' },
      { type: 'dhtKey.learned', now, dhtKey: K2, source: 'dhtRoute' },
      { type: 'dhtKey.learned', now, dhtKey: K2, source: 'dhtMessage' },
      { type: 'dhtKey.learned', now, dhtKey: K1, source: 'dhtMessage' },
      { type: 'address.learned', now, address: A1, source: 'dhtSearch' },
      { type: 'address.learned', now, address: A1, source: 'dhtKeyPacket' },
      { type: 'address.learned', now, address: A2, source: 'dhtKeyPacket' },
      { type: 'address.learned', now, address: A2, source: 'dhtSearch' },
      { type: 'packet.cookieResponse', now, via: 'udp' },
      { type: 'packet.handshake', now, dhtKey: K1, address: A1 },
      { type: 'packet.handshake', now, dhtKey: K2, address: A2 },
      // Handshakes through a relay carry no address: a checked one held stays, a claim is dropped.
      // Offered where no address or a claim is held, and as a restart while established (a
      // checked address kept): in every freshness variant of every state they would double the
      // traversal (test/machines/friend-session-tcp.test.ts keeps a held address the other ways).
      ...(c.address === null || c.address.source === 'dhtSearch' ? [{ type: 'packet.handshake', now, dhtKey: K1, address: null }] : []),
      ...(s.value === 'Established' ? [{ type: 'packet.handshake', now, dhtKey: K2, address: null }] : []),
      { type: 'packet.session', now, via: 'udp' },
      { type: 'packet.alive', now, via: 'udp' },
      // A route coming up, or going away once there is one; both in AcquiringIPAddress, which
      // leaves for a cookie request when one comes up.
      ...(s.value === 'AcquiringIPAddress' ? [true, false] : [!c.relayed]).map((routed) => ({ type: 'relay.route', now, routed })),
      { type: 'packet.kill', now },
      // What comes through a relay, and path changes, where a state listens for them (elsewhere
      // their UDP twins above already show that they are ignored).
      ...(s.value === 'AcquiringCookie' ? [{ type: 'packet.cookieResponse', now, via: 'tcp' }] : []),
      ...(s.value === 'AwaitingSessionPacket' || s.value === 'Established' ? [{ type: 'packet.session', now, via: 'tcp' }] : []),
      ...(s.value === 'Established'
        ? [
            { type: 'packet.alive', now, via: 'tcp' },
            { type: 'path.changed', now, path: 'udp' },
            { type: 'path.changed', now, path: 'tcp' },
          ]
        : []),
    ] as TimedEvent[];
  },
  tickTimes,
  serialize,
  oracle: friendSessionOracle,
  deadline: friendSessionDeadline,
  // About 3,300 abstract states × 30 events once relay routes, paths and relayed packets are in.
  limit: 250_000,
};
