/**
 * Friend requests (docs/protocol.md §7): a pending request ends when the session with the friend is
 * established (the engine's command and the friendRequest machine on top of these layers); the
 * receiver's rules (nospam, already a friend, the 32-entry ring of recent requesters); accepting.
 */
import { describe, expect, it } from 'vitest';
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { formatToxId } from '../../protocol/tox-id.js';
import type { Engine } from '../../runtime/engine.js';
import type { Friend } from '../../runtime/friends.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { bothEstablished, identityFor, introduce, makeFriendEngine, progress } from './net-crypto-helpers.js';
import { SimNetwork } from '../../runtime/adapters/sim-network.js';

interface Call {
  readonly t: number;
  readonly friend: string;
  readonly nospam: string;
  readonly message: string;
}

/** Replaces the onion layer's friend-request sender: records calls, answers `copies(t)`. */
function fakeOnion(e: Engine, copies: (t: number) => number): Call[] {
  const calls: Call[] = [];
  (e.onion as unknown as { sendFriendRequest: (f: Friend, nospam: Bytes, message: string | Bytes) => number }).sendFriendRequest = (f, nospam, message) => {
    calls.push({ t: e.now, friend: f.pkHex, nospam: toHex(nospam), message: typeof message === 'string' ? message : new TextDecoder().decode(message) });
    return copies(e.now);
  };
  return calls;
}

describe('friend requests: sending (engine command + friendRequest machine + these layers)', () => {
  it('a pending request ends when a session with the friend is established; the friend is then confirmed', async () => {
    const idA = await identityFor(51);
    const idB = await identityFor(52);
    const sim = new SimNetwork({ latencyMs: 5, seed: 3 });
    // Alice already has Bob (she accepted his request earlier); Bob sends his request now.
    const a = sim.add(await makeFriendEngine(51, 'alice', [idB.publicKey]));
    const b = sim.add(await makeFriendEngine(52, 'bob', []));
    const calls = fakeOnion(b.engine, () => 1);
    const f = b.engine.sendFriendRequest(sim.now, formatToxId(idA.publicKey, a.engine.nospam), 'hello again');
    expect(f.status).toBe('added');
    // The onion client found Alice stored at an announce node: the machine sends a round.
    b.engine.friendSearchChanged(f.pkHex, true);
    b.engine.flush();
    sim.flush([b]);
    expect(f.status).toBe('requested');
    sim.runFor(7_000);
    expect(calls.map((c) => c.t)).toEqual([0, 5_000]);
    expect(calls[0]!.nospam).toBe(toHex(a.engine.nospam));
    expect(calls[0]!.message).toBe('hello again');
    introduce(sim, b, a);
    const p = { sim, a, b, crypto: await loadCrypto() };
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(10);
    expect(f.status).toBe('confirmed');
    sim.runFor(60_000);
    expect(calls).toHaveLength(2);
    expect(progress(b, a)).toBe('Established');
  });
});

describe('friend requests: receiving', () => {
  it('surfaces a request with our nospam from a stranger once; refuses wrong nospam, friends and recent requesters', async () => {
    const e = await makeFriendEngine(61, 'bob', []);
    e.start(0);
    const crypto = await loadCrypto();
    const r = seededRandom(62);
    const stranger = generateKeyPair(crypto, r).publicKey;
    const msg = new TextEncoder().encode('hi, I am a stranger');
    const m = e.messenger;
    expect(m.receiveFriendRequest(stranger, Uint8Array.of(0, 0, 0, 0), msg)).toBe(false);
    expect(e.counters.get('drop.messenger.friend_request_wrong_nospam')).toBe(1);
    expect(m.shouldSurfaceFriendRequest(stranger, e.nospam)).toEqual({ ok: true });
    expect(m.shouldSurfaceFriendRequest(stranger, e.nospam)).toEqual({ ok: true }); // asking records nothing
    expect(m.receiveFriendRequest(stranger, e.nospam, msg)).toBe(true);
    const ev = e.takeEvents().filter((x) => x.type === 'friend_request');
    expect(ev).toEqual([{ type: 'friend_request', pk: toHex(stranger), message: 'hi, I am a stranger', t: 0 }]);
    expect(m.receiveFriendRequest(stranger, e.nospam, msg)).toBe(false);
    expect(m.shouldSurfaceFriendRequest(stranger, e.nospam)).toEqual({ ok: false, reason: 'recently_seen' });
    // 32 other requesters push the first out of the ring: it is surfaced again.
    for (let i = 0; i < 32; i++) expect(m.receiveFriendRequest(generateKeyPair(crypto, r).publicKey, e.nospam, msg)).toBe(true);
    expect(m.receiveFriendRequest(stranger, e.nospam, msg)).toBe(true);
    // Accepting adds the friend as confirmed with its machines; a later request from it is not shown.
    const f = e.acceptFriendRequest(e.now, toHex(stranger));
    expect(f.status).toBe('confirmed');
    expect(e.progressOf(f.pkHex)).toBe('AwaitingDHTKey');
    expect(e.takeEvents().some((x) => x.type === 'friend_added' && x.friend === f.pkHex)).toBe(true);
    const fresh = generateKeyPair(crypto, seededRandom(63)).publicKey;
    expect(m.receiveFriendRequest(fresh, e.nospam, msg)).toBe(true);
    e.acceptFriendRequest(e.now, toHex(fresh));
    expect(m.shouldSurfaceFriendRequest(generateKeyPair(crypto, seededRandom(64)).publicKey, e.nospam)).toEqual({ ok: true });
    for (let i = 0; i < 40; i++) m.receiveFriendRequest(generateKeyPair(crypto, r).publicKey, e.nospam, msg);
    expect(m.shouldSurfaceFriendRequest(fresh, e.nospam)).toEqual({ ok: false, reason: 'already_friend' });
    expect(m.receiveFriendRequest(stranger, e.nospam, new Uint8Array(0))).toBe(false);
  });
});
