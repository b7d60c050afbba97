/** Helpers for the inspector tests: a demo network run to a point, and random friend-session event sequences. */
import fc from 'fast-check';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import type { MachineEvent } from '../../machines/index.js';
import { createDemoNetwork, type DemoNetwork } from '../../runtime/scenarios/demo-network.js';

let crypto: Crypto | null = null;
export async function testCrypto(): Promise<Crypto> {
  return (crypto ??= await loadCrypto());
}

export async function demoNetwork(opts: { seed?: number; extraFriends?: number } = {}): Promise<DemoNetwork> {
  return createDemoNetwork({ crypto: await testCrypto(), seed: opts.seed ?? 2026, ...(opts.extraFriends !== undefined ? { extraFriends: opts.extraFriends } : {}) });
}

const KEY_A = 'aa'.repeat(32);
const KEY_B = 'bb'.repeat(32);

/** One friend-session event without its time (`now` is added in order by `withTimes`). */
const untimed: fc.Arbitrary<Omit<MachineEvent, 'now'> & { readonly gap: number }> = fc.record({
  gap: fc.oneof(fc.integer({ min: 0, max: 1_500 }), fc.integer({ min: 0, max: 40_000 })),
  e: fc.oneof(
    fc.record({ type: fc.constant('dhtKey.learned'), dhtKey: fc.constantFrom(KEY_A, KEY_B), source: fc.constantFrom('onion', 'dhtRoute') }),
    fc.record({ type: fc.constant('address.learned'), address: fc.constantFrom('127.0.0.2:33445', '127.0.0.3:33445'), source: fc.constantFrom('dhtSearch', 'dhtKeyPacket') }),
    fc.constant({ type: 'packet.cookieResponse' }),
    fc.record({ type: fc.constant('packet.handshake'), dhtKey: fc.constantFrom(KEY_A, KEY_B), address: fc.constant('127.0.0.2:33445') }),
    fc.constant({ type: 'packet.session' }),
    fc.constant({ type: 'packet.alive' }),
    fc.constant({ type: 'packet.kill' }),
    fc.constant({ type: 'tick' }),
    fc.constant({ type: 'tick' }),
    fc.constant({ type: 'tick' }),
  ),
}).map(({ gap, e }) => ({ ...e, gap }));

/** Random friend-session event sequences with increasing `now`. */
export const friendSessionEvents = (min: number, max: number): fc.Arbitrary<Array<MachineEvent & { now: number }>> =>
  fc.array(untimed, { minLength: min, maxLength: max }).map((list) => {
    let now = 0;
    return list.map(({ gap, ...e }) => {
      now += gap;
      return { ...e, now } as MachineEvent & { now: number };
    });
  });

export const FRIEND = 'cc'.repeat(32);
