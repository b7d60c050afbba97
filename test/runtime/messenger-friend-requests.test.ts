/**
 * Friend requests (tox-protocol.md §7): sending with c-toxcore's backoff (5 s, doubling) through
 * the onion layer's sender until the friend comes online; the receiver's rules (nospam,
 * already a friend, the 32-entry ring of recent requesters); accepting.
 */
import { describe, expect, it } from 'vitest';
import { toHex, type Bytes } from '../../protocol/bytes.js';
import { loadCrypto } from '../../protocol/crypto.js';
import { encodeToxId, formatToxId } from '../../protocol/tox-id.js';
import { FriendRequestError } from '../../runtime/messenger/messenger.js';
import type { Engine } from '../../runtime/engine.js';
import type { Friend } from '../../runtime/friends.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { bothEstablished, eventsOf, identityFor, introduce, makeFriendEngine, progress } from './net-crypto-helpers.js';
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
  (e.onion as unknown as { sendFriendRequest: (f: Friend, nospam: Bytes, message: Bytes) => number }).sendFriendRequest = (f, nospam, message) => {
    calls.push({ t: e.now, friend: f.pkHex, nospam: toHex(nospam), message: new TextDecoder().decode(message) });
    return copies(e.now);
  };
  return calls;
}

function runUntil(e: Engine, t: number): void {
  for (;;) {
    const d = e.nextDeadline();
    if (d === null || d.at > t) break;
    e.handleTimeout(d.at);
  }
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FriendRequestError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('friend requests: sending', () => {
  it('retries every second until a copy goes out, then backs off 5 s, 10 s, 20 s until the friend is online', async () => {
    const e = await makeFriendEngine(41, 'alice', []);
    e.start(0);
    const calls = fakeOnion(e, (t) => (t >= 3_000 ? 2 : 0));
    const crypto = await loadCrypto();
    const bob = generateKeyPair(crypto, seededRandom(42));
    const nospam = Uint8Array.of(1, 2, 3, 4);
    const f = e.messenger.sendFriendRequest(0, encodeToxId(bob.publicKey, nospam), 'hi bob, it is alice');
    expect(f.status).toBe('added');
    expect(e.progressOf(f.pkHex)).toBe('AwaitingDHTKey');
    expect(e.takeEvents().map((x) => x.type)).toContain('friend_added');
    runUntil(e, 3_500);
    expect(f.status).toBe('requested');
    runUntil(e, 60_000);
    expect(calls.map((c) => c.t)).toEqual([0, 1_000, 2_000, 3_000, 8_000, 18_000, 38_000]);
    expect(calls.every((c) => c.nospam === '01020304' && c.message === 'hi bob, it is alice' && c.friend === f.pkHex)).toBe(true);
    expect(e.messenger.friendRequests.pending(f.pkHex)?.timeoutMs).toBe(40_000);
    expect(e.counters.get('messenger.friend_requests_sent')).toBe(4);
  });

  it('refuses bad Tox IDs, our own ID, empty and over-long messages, and repeats; a new nospam replaces the old', async () => {
    const e = await makeFriendEngine(43, 'alice', []);
    e.start(0);
    fakeOnion(e, () => 0);
    const crypto = await loadCrypto();
    const bob = generateKeyPair(crypto, seededRandom(44));
    const id = formatToxId(bob.publicKey, Uint8Array.of(9, 9, 9, 9));
    const bad = id.slice(0, 75) + (id[75] === '0' ? '1' : '0');
    const m = e.messenger;
    expect(code(() => m.sendFriendRequest(0, bad, 'hi'))).toBe('bad_tox_id');
    expect(code(() => m.sendFriendRequest(0, formatToxId(e.keys.real.publicKey, e.nospam), 'hi'))).toBe('own_key');
    expect(code(() => m.sendFriendRequest(0, id, ''))).toBe('no_message');
    expect(code(() => m.sendFriendRequest(0, id, 'x'.repeat(1017)))).toBe('too_long');
    expect(e.friends.size).toBe(0);
    const f = m.sendFriendRequest(0, id, 'x'.repeat(1016));
    expect(code(() => m.sendFriendRequest(0, id, 'again'))).toBe('already_sent');
    m.sendFriendRequest(0, formatToxId(bob.publicKey, Uint8Array.of(7, 7, 7, 7)), 'new nospam');
    expect(toHex(f.requestNospam)).toBe('07070707');
    expect(e.friends.size).toBe(1);
  });

  it('stops once the friend comes online, and the friend is then confirmed', async () => {
    const idA = await identityFor(51);
    const idB = await identityFor(52);
    const sim = new SimNetwork({ latencyMs: 5, seed: 3 });
    // Alice already has Bob (she accepted his request earlier); Bob sends his request now.
    const a = sim.add(await makeFriendEngine(51, 'alice', [idB.publicKey]));
    const b = sim.add(await makeFriendEngine(52, 'bob', []));
    const calls = fakeOnion(b.engine, () => 1);
    const f = b.engine.messenger.sendFriendRequest(sim.now, encodeToxId(idA.publicKey, a.engine.nospam), 'hello again');
    sim.flush([b]);
    expect(f.status).toBe('requested');
    sim.runFor(7_000);
    expect(calls).toHaveLength(2);
    introduce(sim, b, a);
    const p = { sim, a, b, crypto: await loadCrypto() };
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    expect(f.status).toBe('confirmed');
    sim.runFor(60_000);
    expect(calls).toHaveLength(2);
    expect(progress(b, a)).toBe('Established');
    expect(eventsOf(b, 'profile_changed').length).toBeGreaterThan(0);
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
    const f = m.acceptFriendRequest(toHex(stranger));
    expect(f.status).toBe('confirmed');
    expect(e.progressOf(f.pkHex)).toBe('AwaitingDHTKey');
    expect(e.takeEvents().some((x) => x.type === 'friend_added' && x.friend === f.pkHex)).toBe(true);
    const fresh = generateKeyPair(crypto, seededRandom(63)).publicKey;
    expect(m.receiveFriendRequest(fresh, e.nospam, msg)).toBe(true);
    m.acceptFriendRequest(toHex(fresh));
    expect(m.shouldSurfaceFriendRequest(generateKeyPair(crypto, seededRandom(64)).publicKey, e.nospam)).toEqual({ ok: true });
    for (let i = 0; i < 40; i++) m.receiveFriendRequest(generateKeyPair(crypto, r).publicKey, e.nospam, msg);
    expect(m.shouldSurfaceFriendRequest(fresh, e.nospam)).toEqual({ ok: false, reason: 'already_friend' });
    expect(m.receiveFriendRequest(stranger, e.nospam, new Uint8Array(0))).toBe(false);
  });
});
