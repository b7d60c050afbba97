/**
 * The dhtkeyShare task hears `relays.available` (our connected TCP relays went from none to some):
 * toxstate's choice (issue 17) — while Sharing it sends our DHT-PK over the onion at once and
 * restarts the 30 s interval (c-toxcore onion_client.c do_friend sends every
 * ONION_DHTPK_SEND_INTERVAL only); in Searching and Idle it does nothing.
 */
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { dhtkeyShare, dhtkeyShareNextDeadline, type DhtkeyShareSnapshot } from '../../machines/dhtkey-share.js';
import { start, step } from '../../machines/index.js';
import { coreMachineSelected } from '../model/selection.js';

const FRIEND = 'f0'.repeat(32);
type Out = { type: string };

function facts(now: number, established = false, policy = 'TryingToConnect'): Record<string, unknown> & { type: string } {
  return { type: 'facts', now, dhtKey: null, dhtKeyFreshUntil: null, addressFreshUntil: null, established, direct: established, policy };
}

function run(events: Array<Record<string, unknown> & { type: string }>): { snap: AnyMachineSnapshot; outputs: Out[][] } {
  let snap: AnyMachineSnapshot = start(dhtkeyShare, { friendPk: FRIEND, now: 0 }).snapshot;
  const outputs: Out[][] = [];
  for (const e of events) {
    const r = step(dhtkeyShare, snap, e);
    snap = r.snapshot;
    outputs.push(r.outputs as Out[]);
  }
  return { snap, outputs };
}

describe.runIf(coreMachineSelected('dhtkeyShare'))('dhtkeyShare: relays.available', () => {
  it('in Sharing: sends our DHT-PK over the onion at once and restarts the 30 s', () => {
    const { snap, outputs } = run([facts(0), { type: 'search.found', now: 1_000 }, { type: 'relays.available', now: 7_000 }]);
    expect(snap.value).toEqual({ Active: 'Sharing' });
    expect(outputs[1]).toEqual([{ type: 'onion.sendDhtPk' }]);
    expect(outputs[2]).toEqual([{ type: 'onion.sendDhtPk' }]);
    const c = (snap as DhtkeyShareSnapshot).context;
    expect(c.onionShareAt).toBe(37_000);
    expect(c.now).toBe(7_000);
  });

  it('the 30 s restarts from the relay: no DHT-PK at the old time, the next one 30 s after the relay', () => {
    const { outputs } = run([
      facts(0),
      { type: 'search.found', now: 1_000 },
      { type: 'relays.available', now: 7_000 },
      { type: 'tick', now: 31_000 }, // the old deadline: a search round may be due, but no DHT-PK
      { type: 'tick', now: 37_000 },
    ]);
    expect(outputs[3]!.map((o) => o.type)).not.toContain('onion.sendDhtPk');
    expect(outputs[4]!.map((o) => o.type)).toContain('onion.sendDhtPk');
  });

  it('in Searching: nothing (the DHT-PK goes out when the friend is found)', () => {
    const { snap, outputs } = run([facts(0), { type: 'relays.available', now: 2_000 }]);
    expect(snap.value).toEqual({ Active: 'Searching' });
    expect(outputs[1]).toEqual([]);
    const c = (snap as DhtkeyShareSnapshot).context;
    expect(c.onionShareAt).toBeNull();
    expect(c.now).toBe(0);
  });

  it('in Idle (established, or not trying to connect): nothing', () => {
    for (const f of [facts(0, true), facts(0, false, 'OpenToConnect')]) {
      const { snap, outputs } = run([f, { type: 'relays.available', now: 2_000 }]);
      expect(snap.value).toBe('Idle');
      expect(outputs[1]).toEqual([]);
      expect(dhtkeyShareNextDeadline(snap as DhtkeyShareSnapshot)).toBeNull();
    }
  });
});
