/**
 * The messenger over net_crypto on the simulated network: ONLINE first, names and statuses,
 * messages and actions both ways with receipts, the limits of sendMessage, the send queue bound,
 * what c-toxcore drops before ONLINE, and friend_connection payloads (ALIVE, share relays,
 * friend requests over net_crypto).
 */
import { describe, expect, it } from 'vitest';
import {
  CRYPTO_PAYLOAD_ID,
  encodeFriendRequest,
  encodeMessage,
  encodeShareRelays,
  encodeTyping,
  encodeUserStatus,
} from '../../protocol/messenger/index.js';
import { MessengerError } from '../../runtime/messenger/messenger.js';
import { SEND_BUFFER_LIMIT_PACKETS } from '../../runtime/net-crypto/constants.js';
import { bothEstablished, eventsOf, introduce, makePair, progress, tap, type Pair } from './net-crypto-helpers.js';
import { makeEngine } from './helpers.js';
import { toHex } from '../../protocol/bytes.js';

async function established(): Promise<Pair> {
  const p = await makePair();
  introduce(p.sim, p.a, p.b);
  expect(p.sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
  p.sim.runFor(200);
  return p;
}

function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MessengerError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('messenger', () => {
  it('sends ONLINE first, then nickname, status message and user status', async () => {
    const p = await makePair();
    const seen = tap(p.b.engine);
    const ids: number[] = [];
    const nc = p.b.engine.netCrypto;
    const orig = nc.sendLossless.bind(nc);
    nc.sendLossless = (f, payload) => {
      ids.push(payload[0]!);
      return orig(f, payload);
    };
    introduce(p.sim, p.a, p.b);
    expect(p.sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    p.sim.runFor(100);
    // What Bob's messenger handed to net_crypto, in order (lossless payload ids): ONLINE,
    // NICKNAME, STATUSMESSAGE, USERSTATUS, then the machine's first ALIVE, then ONLINE once more
    // in answer to Alice's ONLINE (as c-toxcore).
    expect(ids.slice(0, 6)).toEqual([24, 48, 49, 50, 16, 24]);
    const conn = p.b.engine.netCrypto.connection(p.a.engine.selfHex)!;
    expect(conn.confirmed).toBe(true);
    const lossless = p.a.engine.counters.get('net_crypto.lossless_delivered');
    expect(lossless).toBeGreaterThanOrEqual(5);
    expect(eventsOf(p.a, 'friend_name')[0]!.name).toBe('bob');
    expect(eventsOf(p.a, 'friend_user_status')[0]!.userStatus).toBe(0);
    expect(p.a.engine.friends.get(p.b.engine.selfHex)!.statusMessage).toBe("bob's status");
    // Nothing was dropped for arriving before ONLINE on either side.
    expect(p.a.engine.counters.get('drop.messenger.before_online')).toBe(0);
    expect(p.b.engine.counters.get('drop.messenger.before_online')).toBe(0);
    expect(seen.some((t) => t.data[0] === 0x1b)).toBe(true);
  });

  it('carries messages and actions both ways, each with a receipt when the peer acknowledges it', async () => {
    const { sim, a, b } = await established();
    const toB = [a.engine.messenger.sendMessage(b.engine.selfHex, 'hello bob'), a.engine.messenger.sendMessage(b.engine.selfHex, 'waves', 'action')];
    const toA = [b.engine.messenger.sendMessage(a.engine.selfHex, 'hi alice ✓')];
    expect(toB).toEqual([1, 2]);
    expect(toA).toEqual([1]);
    sim.flush();
    sim.runUntilTrue(() => eventsOf(a, 'receipt').length === 2 && eventsOf(b, 'receipt').length === 1, 5_000);
    expect(eventsOf(b, 'message').map((m) => [m.text, m.kind])).toEqual([
      ['hello bob', 'normal'],
      ['waves', 'action'],
    ]);
    expect(eventsOf(a, 'message').map((m) => m.text)).toEqual(['hi alice ✓']);
    expect(eventsOf(a, 'receipt').map((r) => r.id)).toEqual(toB);
    expect(eventsOf(b, 'receipt').map((r) => r.id)).toEqual(toA);
    // The receipt comes with the peer's next packet that acknowledges: at most about a request interval later.
    const sentAt = eventsOf(b, 'message')[0]!.t;
    expect(eventsOf(a, 'receipt')[1]!.t - sentAt).toBeLessThanOrEqual(1_100);
  });

  it('refuses empty, over-long, offline and unknown-friend messages with clear errors; 1372 bytes go through whole', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    const bob = b.engine.selfHex;
    expect(errorCode(() => a.engine.messenger.sendMessage(bob, 'too early'))).toBe('not_online');
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    expect(errorCode(() => a.engine.messenger.sendMessage(bob, ''))).toBe('empty');
    expect(errorCode(() => a.engine.messenger.sendMessage(bob, 'x'.repeat(1373)))).toBe('too_long');
    expect(errorCode(() => a.engine.messenger.sendMessage('00'.repeat(32), 'who?'))).toBe('not_friend');
    const long = 'é'.repeat(686); // 1372 bytes of UTF-8
    a.engine.messenger.sendMessage(bob, long);
    sim.flush([a]);
    sim.runFor(100);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual([long]);
  });

  it("the engine's sendMessage answers refusals as results, never exceptions (a full queue is back-pressure)", async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    const bob = b.engine.selfHex;
    expect(a.engine.sendMessage(sim.now, bob, 'too early')).toMatchObject({ ok: false, error: 'not_online' });
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(200);
    expect(a.engine.sendMessage(sim.now, bob, '')).toMatchObject({ ok: false, error: 'empty' });
    expect(a.engine.sendMessage(sim.now, bob, new Uint8Array(1373))).toMatchObject({ ok: false, error: 'too_long' });
    expect(a.engine.sendMessage(sim.now, '00'.repeat(32), 'who?')).toMatchObject({ ok: false, error: 'not_friend' });
    sim.partition([[a], [b]]);
    let last = a.engine.sendMessage(sim.now, bob, 'm');
    for (let i = 0; i < SEND_BUFFER_LIMIT_PACKETS + 10 && last.ok; i++) last = a.engine.sendMessage(sim.now, bob, `m${i}`);
    expect(last).toMatchObject({ ok: false, error: 'queue_full' });
    expect(a.engine.counters.get('messenger.send_refused.queue_full')).toBe(1);
    expect(a.engine.counters.get('messenger.send_refused.empty')).toBe(1);
  });

  it('a message of invalid UTF-8 arrives as its bytes and as text no longer than them; the bytes echo back unchanged', async () => {
    const { sim, a, b } = await established();
    const ff = new Uint8Array(600).fill(0xff);
    expect(a.engine.sendMessage(sim.now, b.engine.selfHex, ff)).toMatchObject({ ok: true });
    sim.flush([a]);
    expect(sim.runUntilTrue(() => eventsOf(b, 'message').length === 1, 2_000)).toBe(true);
    const got = eventsOf(b, 'message')[0]!;
    expect(got.bytes).toEqual(ff);
    expect(new TextEncoder().encode(got.text).length).toBe(600);
    expect(b.engine.sendMessage(sim.now, a.engine.selfHex, got.bytes)).toMatchObject({ ok: true });
    sim.flush([b]);
    expect(sim.runUntilTrue(() => eventsOf(a, 'message').length === 1, 2_000)).toBe(true);
    expect(eventsOf(a, 'message')[0]!.bytes).toEqual(ff);
  });

  it('a name and a status message of invalid UTF-8 still fit their 128 and 1007 bytes', async () => {
    const { sim, a, b } = await established();
    const conn = a.engine.netCrypto;
    const friend = a.engine.friends.get(b.engine.selfHex)!;
    conn.sendLossless(friend, Uint8Array.from([CRYPTO_PAYLOAD_ID.nickname, ...new Uint8Array(128).fill(0xc3)]));
    conn.sendLossless(friend, Uint8Array.from([CRYPTO_PAYLOAD_ID.status_message, ...new Uint8Array(1007).fill(0x80)]));
    sim.flush([a]);
    sim.runFor(200);
    const f = b.engine.friends.get(a.engine.selfHex)!;
    expect(new TextEncoder().encode(f.name).length).toBeLessThanOrEqual(128);
    expect(new TextEncoder().encode(f.statusMessage).length).toBeLessThanOrEqual(1007);
    expect(f.name).toBe('?'.repeat(128));
  });

  it('bounds the send queue: without acknowledgements it refuses more than the buffer holds', async () => {
    const { sim, a, b } = await established();
    sim.partition([[a], [b]]);
    let accepted = 0;
    let code = '';
    for (let i = 0; i < SEND_BUFFER_LIMIT_PACKETS + 10; i++) {
      try {
        a.engine.messenger.sendMessage(b.engine.selfHex, `m${i}`);
        accepted++;
      } catch (e) {
        code = e instanceof MessengerError ? e.code : String(e);
        break;
      }
    }
    expect(code).toBe('queue_full');
    expect(accepted).toBeLessThanOrEqual(SEND_BUFFER_LIMIT_PACKETS);
    expect(accepted).toBeGreaterThan(SEND_BUFFER_LIMIT_PACKETS - 20);
    expect(a.engine.netCrypto.connection(b.engine.selfHex)!.send.span).toBe(SEND_BUFFER_LIMIT_PACKETS);
    // Healed in time, everything queued is delivered (the window paces it) and acknowledged.
    sim.heal();
    sim.runUntilTrue(() => eventsOf(a, 'receipt').length === accepted, 30_000);
    expect(eventsOf(b, 'message')).toHaveLength(accepted);
    expect(progress(a, b)).toBe('Established');
  });

  it('drops Messenger payloads that arrive before the peer ONLINE, as c-toxcore; ALIVE counts regardless', async () => {
    const { sim, a, b } = await established();
    const m = a.engine.messenger;
    const bob = a.engine.friends.get(b.engine.selfHex)!;
    m.onSessionClosed(bob); // a new session: the peer's ONLINE not seen yet
    m.handleLossless(bob, encodeMessage(new TextEncoder().encode('early')));
    m.handleLossless(bob, encodeUserStatus(2));
    expect(a.engine.counters.get('drop.messenger.before_online')).toBe(2);
    const alive = a.engine.counters.get('messenger.alive_received');
    m.handleLossless(bob, Uint8Array.of(16));
    expect(a.engine.counters.get('messenger.alive_received')).toBe(alive + 1);
    m.handleLossless(bob, Uint8Array.of(24, 0)); // ONLINE must be exactly one byte
    expect(m.isPeerOnline(bob)).toBe(false);
    m.handleLossless(bob, Uint8Array.of(24));
    expect(m.isPeerOnline(bob)).toBe(true);
    m.handleLossless(bob, encodeMessage(new TextEncoder().encode('now')));
    m.handleLossless(bob, encodeTyping(true));
    a.engine.flush();
    sim.flush([a]);
    expect(eventsOf(a, 'message').map((e) => e.text)).toEqual(['now']);
    expect(eventsOf(a, 'friend_typing').map((e) => e.typing)).toEqual([true]);
    // OFFLINE (25) makes the peer messenger-offline again.
    m.handleLossless(bob, Uint8Array.of(25));
    expect(m.isPeerOnline(bob)).toBe(false);
  });

  it('takes the relays a friend shares (linked to its DHT key) and drops a malformed share; a friend request over net_crypto from a friend is not surfaced', async () => {
    const { sim, a, b } = await established();
    const alice = b.engine.friends.get(a.engine.selfHex)!;
    const relayKey = (await makeEngine(977)).keys.dht.publicKey;
    b.engine.netCrypto.sendLossless(alice, encodeShareRelays([{ transport: 'tcp', ipPort: { family: 'ipv4', ip: '127.0.0.77', port: 3389 }, publicKey: relayKey }]));
    b.engine.netCrypto.sendLossless(alice, Uint8Array.of(17, 130, 1));
    b.engine.netCrypto.sendLossless(alice, encodeFriendRequest(a.engine.nospam, new TextEncoder().encode('be my friend')));
    sim.flush([b]);
    sim.runFor(50);
    expect(a.engine.counters.get('messenger.share_relays_received')).toBe(1);
    expect(a.engine.counters.get('drop.messenger.share_relays_malformed')).toBe(1);
    // A relay actor for the shared relay, which routes to b's DHT key once it is confirmed.
    expect(a.engine.actors.get(`relay:${toHex(relayKey)}`)).toBeDefined();
    expect(a.engine.tcp.client.relayCount).toBe(1);
    expect(a.engine.counters.get('drop.messenger.friend_request_already_friend')).toBe(1);
    expect(eventsOf(a, 'friend_request')).toEqual([]);
  });

  it('forgets receipts of a session that ended; message ids keep counting in the next session', async () => {
    const p = await established();
    const { sim, a, b } = p;
    sim.partition([[a], [b]]);
    expect(a.engine.messenger.sendMessage(b.engine.selfHex, 'lost')).toBe(1);
    sim.flush([a]);
    sim.runUntilTrue(() => eventsOf(a, 'friend_offline').length > 0, 40_000);
    expect(eventsOf(a, 'friend_offline')).toHaveLength(1);
    sim.heal();
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 10_000)).toBe(true);
    sim.runFor(100);
    expect(a.engine.messenger.sendMessage(b.engine.selfHex, 'again')).toBe(2);
    sim.flush([a]);
    sim.runUntilTrue(() => eventsOf(a, 'receipt').length > 0, 5_000);
    expect(eventsOf(a, 'receipt').map((r) => r.id)).toEqual([2]);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(['again']);
  });
});
