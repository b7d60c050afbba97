/**
 * Reference model of the connect: task (docs/architecture.md §1.3; DHT.c search cadence), written
 * independently of machines/connect.ts.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { ConnectContext } from '../../../machines/connect.js';
import type { Expectation, TimedEvent } from '../harness.js';

/** The context shape (a type only: the oracle's behaviour is its own). */
type Ctx = ConnectContext;
type Facts = { type: 'facts'; now: number; dhtKey: string | null; dhtKeyFreshUntil: number | null; addressFreshUntil: number | null; established: boolean; policy: string };

type Mode = 'Idle' | 'SearchingAddress' | 'Handshaking';

/** Which mode the facts call for at time `now`. */
function modeFor(f: { dhtKey: string | null; dhtKeyFreshUntil: number | null; addressFreshUntil: number | null; established: boolean; policy: string }, now: number): Mode {
  const keyFresh = f.dhtKey !== null && f.dhtKeyFreshUntil !== null && now < f.dhtKeyFreshUntil;
  const addrFresh = f.addressFreshUntil !== null && now < f.addressFreshUntil;
  if (f.established || f.policy !== 'TryingToConnect' || !keyFresh) return 'Idle';
  return addrFresh ? 'Handshaking' : 'SearchingAddress';
}

export function connectOracle(snapshot: AnyMachineSnapshot, raw: TimedEvent): Expectation {
  const state = snapshot.value as Mode;
  const c: Ctx = { ...(snapshot.context as Ctx) };
  const out: Array<EventObject & Record<string, unknown>> = [];
  const now = raw.now;
  let next: Mode = state;

  const beginSearch = (): void => {
    c.rounds = 1;
    c.searchAt = now + 1000;
    c.pingAt = null;
    out.push({ type: 'dht.search', dhtKey: c.dhtKey ?? '' });
  };

  if (raw.type === 'facts') {
    const f = raw as Facts;
    const keyChanged = f.dhtKey !== c.dhtKey;
    Object.assign(c, { now, dhtKey: f.dhtKey, dhtKeyFreshUntil: f.dhtKeyFreshUntil, addressFreshUntil: f.addressFreshUntil, established: f.established, policy: f.policy as Ctx['policy'] });
    const want = modeFor(f, now);
    if (state === 'Idle') {
      if (want === 'SearchingAddress') beginSearch();
      if (want === 'Handshaking') {
        out.push({ type: 'dht.search', dhtKey: c.dhtKey ?? '' });
        c.pingAt = now + 60_000;
      }
      next = want;
    } else if (state === 'SearchingAddress') {
      if (want === 'Idle') {
        c.rounds = 0;
        c.searchAt = null;
        out.push({ type: 'dht.searchStop' });
      } else if (want === 'Handshaking') {
        c.rounds = 0;
        c.searchAt = null;
        c.pingAt = now + 60_000;
      } else if (keyChanged) beginSearch();
      next = want;
    } else {
      if (want === 'Idle') {
        c.pingAt = null;
        out.push({ type: 'dht.searchStop' });
      } else if (want === 'SearchingAddress') {
        c.pingAt = null;
        beginSearch();
      }
      next = want;
    }
    return { value: next, context: c, outputs: out };
  }

  // tick
  const want = modeFor(c, now);
  if (state === 'SearchingAddress') {
    if (want === 'Idle') {
      c.now = now;
      c.rounds = 0;
      c.searchAt = null;
      out.push({ type: 'dht.searchStop' });
      next = 'Idle';
    } else if (c.searchAt !== null && now >= c.searchAt) {
      c.now = now;
      const sent = c.rounds + 1;
      c.searchAt = now + (sent < 5 ? 1000 : 20_000);
      c.rounds = Math.min(sent, 5);
      out.push({ type: 'dht.searchRound', dhtKey: c.dhtKey ?? '', round: c.rounds });
    }
  } else if (state === 'Handshaking') {
    if (want === 'Idle') {
      c.now = now;
      c.pingAt = null;
      out.push({ type: 'dht.searchStop' });
      next = 'Idle';
    } else if (want === 'SearchingAddress') {
      c.now = now;
      c.pingAt = null;
      beginSearch();
      next = 'SearchingAddress';
    } else if (c.pingAt !== null && now >= c.pingAt) {
      c.now = now;
      c.pingAt = now + 60_000;
      out.push({ type: 'dht.pingFriend', dhtKey: c.dhtKey ?? '' });
    }
  }
  return { value: next, context: c, outputs: out };
}
