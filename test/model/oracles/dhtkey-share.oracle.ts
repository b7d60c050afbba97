/**
 * Reference model of the dhtkey: task (onion_client.c do_friend cadence), written
 * independently of machines/dhtkey-share.ts.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { DhtkeyShareContext } from '../../../machines/dhtkey-share.js';
import type { Expectation, TimedEvent } from '../harness.js';

/** The context shape (a type only: the oracle's behaviour is its own). */
type Ctx = DhtkeyShareContext;

/** c-toxcore: 3 s while run_count ≤ 5, else 2^min(12, run_count − 2) s, at most 3600 s. */
function interval(runCount: number): number {
  if (runCount <= 5) return 3000;
  return Math.min(2 ** Math.min(12, runCount - 2), 3600) * 1000;
}

export function dhtkeyShareOracle(snapshot: AnyMachineSnapshot, raw: TimedEvent): Expectation {
  const c: Ctx = { ...(snapshot.context as Ctx) };
  const out: Array<EventObject & Record<string, unknown>> = [];
  const now = raw.now;
  const where = snapshot.matches('Idle') ? 'Idle' : snapshot.matches({ Active: 'Sharing' }) ? 'Sharing' : 'Searching';
  let value: unknown = snapshot.value;
  const active = (sub: string): unknown => ({ Active: sub });

  if (raw.type === 'facts') {
    const f = raw as unknown as { dhtKey: string | null; established: boolean; policy: Ctx['policy'] };
    const wanted = !f.established && f.policy === 'TryingToConnect';
    c.now = now;
    c.policy = f.policy;
    if (f.dhtKey !== null && f.dhtKey !== c.friendDhtKey) c.dhtShareAt = now;
    else if (f.dhtKey === null) c.dhtShareAt = null;
    c.friendDhtKey = f.dhtKey;
    if (where === 'Idle' && wanted) {
      c.runCount = 0;
      c.searchAt = now;
      value = active('Searching');
    } else if (where !== 'Idle' && !wanted) {
      c.searchAt = null;
      c.onionShareAt = null;
      c.dhtShareAt = null;
      value = 'Idle';
    }
    return { value, context: c, outputs: out };
  }
  if (raw.type === 'nodes.available' && where === 'Searching') {
    c.now = now;
    c.runCount = Math.min(c.runCount + 1, 14);
    c.searchAt = now + interval(c.runCount);
    out.push({ type: 'onion.searchFriend', runCount: c.runCount });
  } else if (raw.type === 'search.found' && where === 'Searching') {
    c.now = now;
    c.onionShareAt = now + 30_000;
    out.push({ type: 'onion.sendDhtPk' });
    value = active('Sharing');
  } else if (raw.type === 'search.lost' && where === 'Sharing') {
    c.now = now;
    c.onionShareAt = null;
    value = active('Searching');
  } else if (raw.type === 'tick' && where !== 'Idle') {
    const searchDue = c.searchAt !== null && now >= c.searchAt;
    const shareDue = where === 'Sharing' && c.onionShareAt !== null && now >= c.onionShareAt;
    const routeDue = c.friendDhtKey !== null && c.dhtShareAt !== null && now >= c.dhtShareAt;
    // One deadline per tick; the state's own timers before the parent's.
    if (shareDue) {
      c.now = now;
      c.onionShareAt = now + 30_000;
      out.push({ type: 'onion.sendDhtPk' });
    } else if (searchDue) {
      c.now = now;
      c.runCount = Math.min(c.runCount + 1, 14);
      c.searchAt = now + interval(c.runCount);
      out.push({ type: 'onion.searchFriend', runCount: c.runCount });
    } else if (routeDue) {
      c.now = now;
      c.dhtShareAt = now + 20_000;
      out.push({ type: 'dht.sendDhtPk', friendDhtKey: c.friendDhtKey ?? '' });
    }
  }
  return { value, context: c, outputs: out };
}
