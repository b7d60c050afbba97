/**
 * Issue 13, net_crypto denials of service (items 3 and 10), performed on the simulated demo
 * network (virtual clock, seeded: the same run every time):
 *
 *   - item 3: an attacker sends junk cookie requests (0x18) spoofed from each friend's own
 *     address at the other while Alice and Bob connect — random junk at 100, 300 and 1,000 per
 *     second, junk that claims the friend's own DHT key, and requests that authenticate (the
 *     attacker's own DHT key, naming the friend's real key) — and we measure the time to
 *     Established against the same run without junk, and the X25519s the junk cost. The same
 *     flood of junk cookie responses, handshakes and data packets (0x19/0x1a/0x1b) checks the
 *     other net_crypto packets for the same class of problem.
 *   - item 10: Bob goes silent, Alice queues messages for him, and an attacker holding Bob's
 *     session keys sends request packets asking for every packet Alice holds, never
 *     acknowledging any; we decrypt what Alice sends back and count the bytes she resends.
 */
import type { Bytes } from '../../../protocol/bytes.js';
import type { Crypto } from '../../../protocol/crypto.js';
import { ipPortKey, type IpPort } from '../../../protocol/ip-port.js';
import {
  advanceRecvNonce,
  classifyPayloadId,
  COOKIE_REQUEST_SIZE_BYTES,
  COOKIE_RESPONSE_SIZE_BYTES,
  decodeCryptoDataHeader,
  encodeRequestPacket,
  HANDSHAKE_SIZE_BYTES,
  openCryptoData,
  recoverNonce,
  sealCryptoData,
} from '../../../protocol/net-crypto/index.js';
import { incrementNonce } from '../../../protocol/nonce.js';
import type { SimNode } from '../../../runtime/adapters/sim-network.js';
import {
  COOKIE_UNKNOWN_KEY_BURST,
  COOKIE_UNKNOWN_KEY_REFILL_MS,
  GAP_REQUESTS_FAST_FOR_MS,
  REQUEST_PACKET_INTERVAL_WITH_GAPS_MS,
  RESEND_BURST_PACKETS,
  RESEND_MAX_ROUND_MS,
} from '../../../runtime/net-crypto/constants.js';
import { seededRandom } from '../../../runtime/random.js';
import { createDemoNetwork } from '../../../runtime/scenarios/demo-network.js';
import { Attacker, bothEstablished, establishedDemo } from '../lib.js';
import type { ReviewOutcome } from './outcome.js';

// ---- item 3: junk cookie requests spoofed from each friend's address ------------------------

/**
 * What the attacker sends, spoofed from each friend's address at the other:
 *   - `random`: 145 random bytes starting with 0x18 (a random claimed DHT key, valid as a key;
 *     the review's junk);
 *   - `friend-key`: the same, claiming the spoofed friend's real DHT key (opens with a key we hold);
 *   - `authenticated`: valid requests sealed with the attacker's own DHT key, naming the spoofed
 *     friend's real key (they open, and are answered — at the friend's address);
 *   - `other`: junk cookie responses, handshakes and data packets (0x19, 0x1a, 0x1b) in turn.
 */
export type JunkKind = 'random' | 'friend-key' | 'authenticated' | 'other';

export interface JunkRun {
  readonly kind: JunkKind | 'none';
  readonly perSecond: number;
  /** Virtual ms from the start of the demo to both sides Established; null if not by the cap. */
  readonly establishedMs: number | null;
  readonly junkSent: number;
  /** X25519s the two cookie responders computed for requests claiming unknown DHT keys. */
  readonly x25519: number;
  /** Requests claiming unknown DHT keys refused before their X25519 (budget empty). */
  readonly refusedBeforeX25519: number;
  /** Virtual ms the run lasted (the X25519 budget is per ms). */
  readonly durationMs: number;
}

/** The demo's story (Bob befriends Alice, both connect) with `perSecond` junk packets of `kind` at each of them from the other's address. */
export function connectUnderJunk(crypto: Crypto, kind: JunkKind | 'none', perSecond: number, capMs = 60_000): JunkRun {
  const demo = createDemoNetwork({ crypto, seed: 2026 });
  const { sim } = demo;
  const alice = demo.alice.node;
  const bob = demo.bob.node;
  const r = seededRandom(3013);
  // One attacker per target (its DHT shared key is the target's), for `authenticated`.
  const atAlice = new Attacker(crypto, alice.engine, 3101);
  const atBob = new Attacker(crypto, bob.engine, 3102);
  const junk = (spoofed: SimNode, attacker: Attacker, i: number): Bytes => {
    switch (kind) {
      case 'authenticated':
        return attacker.cookieRequest(spoofed.engine.keys.real.publicKey);
      case 'other': {
        const [id, size] = ([[0x19, COOKIE_RESPONSE_SIZE_BYTES], [0x1a, HANDSHAKE_SIZE_BYTES], [0x1b, 100]] as const)[i % 3]!;
        const b = r.bytes(size);
        b[0] = id;
        return b;
      }
      default: {
        const b = r.bytes(COOKIE_REQUEST_SIZE_BYTES);
        b[0] = 0x18;
        // A key that passes c-toxcore's public_key_valid (top bit clear), so the junk costs an X25519 to refute.
        b[32]! &= 0x7f;
        if (kind === 'friend-key') b.set(spoofed.engine.keys.dht.publicKey, 1);
        return b;
      }
    }
  };
  const t0 = sim.now;
  let sent = 0;
  const done = (): boolean => bothEstablished(demo);
  while (!done() && sim.now - t0 < capMs) {
    // Evenly spread: floor(rate × t) packets by ms t, each way.
    const ms = sim.now - t0;
    const n = kind === 'none' ? 0 : Math.floor((perSecond * (ms + 1)) / 1000) - Math.floor((perSecond * ms) / 1000);
    for (let i = 0; i < n; i++) {
      alice.engine.handleDatagram(sim.now, bob.address, junk(bob, atAlice, sent));
      bob.engine.handleDatagram(sim.now, alice.address, junk(alice, atBob, sent));
      sent += 2;
    }
    sim.flush([alice, bob]);
    sim.runUntilTrue(done, 1);
  }
  const a = alice.engine.netCrypto.stats();
  const b = bob.engine.netCrypto.stats();
  return {
    kind,
    perSecond,
    establishedMs: done() ? sim.now - t0 : null,
    junkSent: sent,
    x25519: a.unknownKeyComputed + b.unknownKeyComputed,
    refusedBeforeX25519: a.unknownKeyRefused + b.unknownKeyRefused,
    durationMs: sim.now - t0,
  };
}

/** A friend's handshake gets through junk within this much of the no-junk time. */
export const JUNK_DELAY_BOUND_MS = 2_000;

/** The most X25519s the two responders may compute in `ms` (each: its burst plus one per refill). */
export function x25519Bound(ms: number): number {
  return 2 * (COOKIE_UNKNOWN_KEY_BURST + Math.ceil(ms / COOKIE_UNKNOWN_KEY_REFILL_MS));
}

const secs = (ms: number | null): string => (ms === null ? 'not connected' : `${(ms / 1000).toFixed(2)} s`);

export function junkCookieRequestsOutcome(crypto: Crypto): ReviewOutcome {
  const baseline = connectUnderJunk(crypto, 'none', 0);
  const runs = [
    connectUnderJunk(crypto, 'random', 100),
    connectUnderJunk(crypto, 'random', 300),
    connectUnderJunk(crypto, 'random', 1000),
    connectUnderJunk(crypto, 'friend-key', 1000),
    connectUnderJunk(crypto, 'authenticated', 1000),
  ];
  const bound = (baseline.establishedMs ?? Infinity) + JUNK_DELAY_BOUND_MS;
  const connected = runs.every((r) => r.establishedMs !== null && r.establishedMs <= bound);
  const cpuBounded = runs.every((r) => r.x25519 <= x25519Bound(r.durationMs));
  const figures: Record<string, number | string | boolean> = { baselineMs: baseline.establishedMs ?? 'none', boundMs: bound };
  for (const r of runs) {
    const k = `${r.kind}${r.perSecond}`;
    figures[`${k}.establishedMs`] = r.establishedMs ?? 'none';
    figures[`${k}.junkSent`] = r.junkSent;
    figures[`${k}.x25519`] = r.x25519;
    figures[`${k}.refusedBeforeX25519`] = r.refusedBeforeX25519;
    figures[`${k}.durationMs`] = r.durationMs;
  }
  return {
    item: 3,
    attack:
      'junk cookie requests (0x18) spoofed from each friend’s own address at the other while Alice and Bob connect: random junk at 100, 300 and 1,000/s each way; junk claiming the friend’s own DHT key; requests sealed with the attacker’s own DHT key naming the friend’s real key',
    before: '1,000/s: not connected for 90 s (1.0 s without); 100–300/s: 25–32 s (the per-source bucket was charged before decryption)',
    result:
      `connected in ${secs(baseline.establishedMs)} without junk; with junk ${runs.map((r) => `${r.kind} ${r.perSecond}/s: ${secs(r.establishedMs)}`).join(', ')} ` +
      `(bound: no-junk time + ${JUNK_DELAY_BOUND_MS / 1000} s). Only requests that open are charged; a friend's session DHT key opens without an X25519 and has its own answer bucket; ` +
      `random keys cost at most ${COOKIE_UNKNOWN_KEY_BURST} + 1 per ${COOKIE_UNKNOWN_KEY_REFILL_MS} ms X25519s per node (1,000/s junk: ${runs[2]!.x25519} X25519s for ${runs[2]!.junkSent} packets, ${runs[2]!.refusedBeforeX25519} refused before one)`,
    held: connected && cpuBounded,
    figures,
  };
}

export function junkOtherPacketsOutcome(crypto: Crypto): ReviewOutcome {
  const baseline = connectUnderJunk(crypto, 'none', 0);
  const run = connectUnderJunk(crypto, 'other', 1000);
  const bound = (baseline.establishedMs ?? Infinity) + JUNK_DELAY_BOUND_MS;
  return {
    item: 3,
    attack: 'the same class on the other net_crypto packets: junk cookie responses, handshakes and data packets (0x19, 0x1a, 0x1b) spoofed from each friend’s address at the other, 1,000/s each way',
    before: 'not in the review: checked for the same class (nothing charged before authentication, no per-source state)',
    result: `connected in ${secs(run.establishedMs)} (${secs(baseline.establishedMs)} without junk, bound + ${JUNK_DELAY_BOUND_MS / 1000} s): each is matched to a connection by address and dropped when its box does not open; nothing is charged or kept`,
    held: run.establishedMs !== null && run.establishedMs <= bound,
    figures: { baselineMs: baseline.establishedMs ?? 'none', establishedMs: run.establishedMs ?? 'none', junkSent: run.junkSent },
  };
}

// ---- item 10: "resend everything", never acknowledged -------------------------------------

export interface ResendRun {
  readonly requestEveryMs: number;
  readonly messageBytes: number;
  readonly durationMs: number;
  readonly requests: number;
  /** Bytes of the attacker's request datagrams Alice received. */
  readonly requestBytes: number;
  /** Lossless packets Alice sent again (a packet number she had sent before), and their datagram bytes. */
  readonly resentPackets: number;
  readonly resentBytes: number;
  /** Resent packets in the last half of the run (the steady state). */
  readonly resentLastHalf: number;
  /** Alice's round-trip estimate for Bob at the end of the run. */
  readonly roundTripMs: number;
  /** The most resends within any one round trip (`roundTripMs`). */
  readonly maxResendsPerRoundTrip: number;
  /** Alice's packets in flight to Bob that the attacker could ask for. */
  readonly inFlight: number;
  /** Alice's session with Bob still Established at the end (the attacker kept it alive). */
  readonly stillEstablished: boolean;
  /**
   * After the attack the peer acknowledges RESEND_BURST_PACKETS packets and asks for the rest:
   * resends within the next round trip (the budget is back, not spent for good).
   */
  readonly resentAfterAck: number;
}

/**
 * Established demo; Bob goes silent; Alice queues `messages` messages of `messageBytes` for him;
 * an attacker with Bob's session keys sends, every `requestEveryMs` for `durationMs`, a request
 * packet listing every packet in Alice's send buffer as missing, with Bob's old buffer_start (it
 * never acknowledges anything). Alice's datagrams to Bob are decrypted to tell resends apart.
 */
export function resendEverything(crypto: Crypto, requestEveryMs: number, messageBytes: number, durationMs = 10_000, messages = 200): ResendRun {
  const demo = establishedDemo(crypto, 2026, 5_000);
  const { sim } = demo;
  const A = demo.alice.node.engine;
  const B = demo.bob.node.engine;
  const bobConn = B.netCrypto.connection(A.selfHex);
  if (!bobConn?.sessionKey || !bobConn.recvNonce) throw new Error('resendEverything: Bob has no session');
  // The attacker holds Bob's session: key, next nonce, what Bob acknowledged, Bob's buffer_end.
  const sessionKey = bobConn.sessionKey;
  let attackerNonce = bobConn.sentNonce;
  const ackedStart = bobConn.recv.start;
  const bobEnd = bobConn.send.end;
  let aliceNonce = bobConn.recvNonce;
  sim.setUp(demo.bob.node, false);

  // Every datagram Alice sends to Bob's address, decrypted as Bob would.
  const bobKey = ipPortKey(demo.bob.node.address);
  const seen = new Set<number>();
  const resends: Array<{ at: number; bytes: number }> = [];
  const send = A.send.bind(A);
  A.send = (to: IpPort, data: Bytes) => {
    if (ipPortKey(to) === bobKey && data[0] === 0x1b) {
      const h = decodeCryptoDataHeader(data);
      if (h.ok) {
        const { nonce, diff } = recoverNonce(aliceNonce, h.value.nonceLow16);
        const body = openCryptoData(crypto, sessionKey, nonce, data);
        if (body.ok) {
          aliceNonce = advanceRecvNonce(aliceNonce, diff);
          if (classifyPayloadId(body.value.payload[0]!) === 'lossless') {
            if (seen.has(body.value.packetNumber)) resends.push({ at: sim.now, bytes: data.length });
            seen.add(body.value.packetNumber);
          }
        }
      }
    }
    send(to, data);
  };

  for (let i = 0; i < messages; i++) A.sendMessage(sim.now, B.selfHex, `${i} `.padEnd(messageBytes, 'x'));
  sim.flush([demo.alice.node]);
  sim.runFor(1_000);
  const conn = A.netCrypto.connection(B.selfHex)!;
  const inFlight = conn.send.inFlight();
  const resendsBefore = resends.length;
  let requests = 0;
  let requestBytes = 0;
  const t0 = sim.now;
  while (sim.now < t0 + durationMs) {
    // Alice's buffer [start, end) is what the attacker saw in her packet numbers.
    const missing: number[] = [];
    for (let n = conn.send.start; n !== conn.send.end; n = (n + 1) >>> 0) missing.push(n);
    const payload = encodeRequestPacket({ bufferStart: conn.send.start, missing });
    const packet = sealCryptoData(crypto, sessionKey, attackerNonce, { bufferStart: ackedStart, packetNumber: bobEnd, payload });
    attackerNonce = incrementNonce(attackerNonce);
    requests++;
    requestBytes += packet.length;
    A.handleDatagram(sim.now, demo.bob.node.address, packet);
    sim.flush([demo.alice.node]);
    sim.runFor(requestEveryMs);
  }
  const during = resends.slice(resendsBefore).filter((r) => r.at >= t0);
  const stillEstablished = A.progressOf(B.selfHex) === 'Established';

  // The peer acknowledges again: the first RESEND_BURST_PACKETS packets, and asks for the rest.
  const acked = (conn.send.start + RESEND_BURST_PACKETS) >>> 0;
  const rest: number[] = [];
  for (let n = acked; n !== conn.send.end; n = (n + 1) >>> 0) rest.push(n);
  const resendsAtAck = resends.length;
  const ackAt = sim.now;
  A.handleDatagram(sim.now, demo.bob.node.address, sealCryptoData(crypto, sessionKey, attackerNonce, { bufferStart: acked, packetNumber: bobEnd, payload: encodeRequestPacket({ bufferStart: acked, missing: rest }) }));
  sim.flush([demo.alice.node]);
  sim.runFor(conn.rttMs);
  const resentAfterAck = resends.slice(resendsAtAck).filter((r) => r.at < ackAt + conn.rttMs).length;
  const roundTripMs = conn.rttMs;
  let maxPerRoundTrip = 0;
  for (let i = 0, j = 0; i < during.length; i++) {
    while (during[i]!.at - during[j]!.at >= roundTripMs) j++;
    maxPerRoundTrip = Math.max(maxPerRoundTrip, i - j + 1);
  }
  return {
    requestEveryMs,
    messageBytes,
    durationMs,
    requests,
    requestBytes,
    resentPackets: during.length,
    resentBytes: during.reduce((n, r) => n + r.bytes, 0),
    resentLastHalf: during.filter((r) => r.at >= t0 + durationMs / 2).length,
    roundTripMs,
    maxResendsPerRoundTrip: maxPerRoundTrip,
    inFlight,
    stillEstablished,
    resentAfterAck,
  };
}

/** Resends in the steady state (second half of the run): one per RESEND_MAX_ROUND_MS, and one more for the edges. */
export function steadyResendBound(run: ResendRun): number {
  return Math.ceil(run.durationMs / 2 / RESEND_MAX_ROUND_MS) + 1;
}

/**
 * Resends in the whole run: the budget decays from RESEND_BURST_PACKETS by halves while nothing
 * is acknowledged (64 + 32 + … + 1 = 2 × 64 − 1), then one per round, rounds doubling up to
 * RESEND_MAX_ROUND_MS (at most 5 rounds of 53–848 ms before that), then the steady state.
 */
export function totalResendBound(run: ResendRun): number {
  return 2 * RESEND_BURST_PACKETS - 1 + 5 + Math.ceil(run.durationMs / RESEND_MAX_ROUND_MS) + 1;
}

/** The review's pattern (every 100 ms, small messages) may draw at most this many bytes per request byte. */
export const REVIEW_PATTERN_RATIO_BOUND = 2;

export function resendEverythingOutcome(crypto: Crypto): ReviewOutcome {
  const runs = [resendEverything(crypto, 100, 100), resendEverything(crypto, 10, 100), resendEverything(crypto, 1_000, 100), resendEverything(crypto, 100, 1372), resendEverything(crypto, 1_000, 1372)];
  const ratio = (r: ResendRun): number => Math.round((r.resentBytes / r.requestBytes) * 10) / 10;
  const review = runs[0]!;
  const held =
    ratio(review) <= REVIEW_PATTERN_RATIO_BOUND &&
    runs.every(
      (r) =>
        r.resentPackets <= totalResendBound(r) &&
        r.resentLastHalf <= steadyResendBound(r) &&
        r.maxResendsPerRoundTrip <= RESEND_BURST_PACKETS &&
        r.stillEstablished &&
        r.resentAfterAck >= RESEND_BURST_PACKETS / 2,
    );
  const figures: Record<string, number | string | boolean> = {};
  for (const r of runs) {
    const k = `every${r.requestEveryMs}ms.${r.messageBytes}B`;
    figures[`${k}.requestBytes`] = r.requestBytes;
    figures[`${k}.resentPackets`] = r.resentPackets;
    figures[`${k}.resentBytes`] = r.resentBytes;
    figures[`${k}.ratio`] = ratio(r);
    figures[`${k}.resentLastHalf`] = r.resentLastHalf;
    figures[`${k}.maxResendsPerRoundTrip`] = r.maxResendsPerRoundTrip;
    figures[`${k}.resentAfterAck`] = r.resentAfterAck;
  }
  figures['inFlight'] = review.inFlight;
  return {
    item: 10,
    attack: `a friend (its session keys) asks for every one of the ${review.inFlight} packets in flight to it, over and over for ${review.durationMs / 1000} s, never acknowledging any: every 10 ms, 100 ms and 1 s, with 100-byte and 1,372-byte messages queued`,
    before: '~57× the request bytes in resends (53× measured on this scenario: 100-byte messages, a request every 100 ms; 579× with 1,372-byte messages)',
    result:
      `every 100 ms, 100-byte messages: ${review.resentPackets} resends, ${ratio(review)}× the request bytes; ` +
      runs
        .slice(1)
        .map((r) => `every ${r.requestEveryMs} ms, ${r.messageBytes} B: ${r.resentPackets} resends (${ratio(r)}×)`)
        .join('; ') +
      `. Each packet at most once per round trip (≥ 50 ms); at most ${RESEND_BURST_PACKETS} resends per round trip, halved for every round trip the peer acknowledges nothing, then rounds doubling to ${RESEND_MAX_ROUND_MS / 1000} s: ` +
      `≤ ${steadyResendBound(review)} resends in the last ${review.durationMs / 2000} s of every run (measured ${Math.max(...runs.map((r) => r.resentLastHalf))}); ` +
      `once the peer acknowledges again, ${Math.min(...runs.map((r) => r.resentAfterAck))}+ resends go out in the next round trip`,
    held,
    figures,
  };
}

// ---- item 10's mirror: our own request packets, drawn by a buffer_end the friend never fills --

export interface GapRequestRun {
  readonly durationMs: number;
  /** The attacker's one datagram. */
  readonly inBytes: number;
  /** Alice's request packets to Bob during the run, and their bytes. */
  readonly requests: number;
  readonly outBytes: number;
  /** Request packets in the second half of the run (the steady state). */
  readonly requestsLastHalf: number;
}

/**
 * Established demo; Bob goes silent; an attacker with Bob's session keys sends Alice one empty
 * request packet whose packet number (Bob's buffer_end) is 4,000 packets ahead of what Alice
 * received. Alice now misses 4,000 packets and asks for them; nothing ever fills the gap.
 */
export function gapNeverFilled(crypto: Crypto, durationMs = 10_000): GapRequestRun {
  const demo = establishedDemo(crypto, 2026, 5_000);
  const { sim } = demo;
  const A = demo.alice.node.engine;
  const B = demo.bob.node.engine;
  const bobConn = B.netCrypto.connection(A.selfHex);
  if (!bobConn?.sessionKey) throw new Error('gapNeverFilled: Bob has no session');
  sim.setUp(demo.bob.node, false);
  const conn = A.netCrypto.connection(B.selfHex)!;
  const bobKey = ipPortKey(demo.bob.node.address);
  const sent: Array<{ at: number; bytes: number }> = [];
  const send = A.send.bind(A);
  A.send = (to: IpPort, data: Bytes) => {
    if (ipPortKey(to) === bobKey && data[0] === 0x1b) sent.push({ at: sim.now, bytes: data.length });
    send(to, data);
  };
  const packet = sealCryptoData(crypto, bobConn.sessionKey, bobConn.sentNonce, {
    bufferStart: bobConn.recv.start,
    packetNumber: (conn.recv.start + 4_000) >>> 0,
    payload: encodeRequestPacket({ bufferStart: bobConn.recv.start, missing: [] }),
  });
  const t0 = sim.now;
  A.handleDatagram(sim.now, demo.bob.node.address, packet);
  sim.flush([demo.alice.node]);
  sim.runFor(durationMs);
  return {
    durationMs,
    inBytes: packet.length,
    requests: sent.length,
    outBytes: sent.reduce((n, s) => n + s.bytes, 0),
    requestsLastHalf: sent.filter((s) => s.at >= t0 + durationMs / 2).length,
  };
}

/**
 * Request packets in 10 s for a gap nothing fills: every 100 ms until GAP_REQUESTS_FAST_FOR_MS
 * after Bob's last new lossless packet (at most 30), then one per second (7), and one for each edge.
 */
export const GAP_REQUESTS_BOUND_10S = GAP_REQUESTS_FAST_FOR_MS / REQUEST_PACKET_INTERVAL_WITH_GAPS_MS + 7 + 2;
/** Request packets in the last 5 s: one per second, and one for the edge. */
export const GAP_REQUESTS_BOUND_LAST_5S = 5 + 1;

export function gapNeverFilledOutcome(crypto: Crypto): ReviewOutcome {
  const run = gapNeverFilled(crypto);
  return {
    item: 10,
    attack: 'the same class in the other direction: a friend sends one 32-byte request packet claiming it sent 4,000 packets more than we received, and never sends them',
    before: 'not in the review: a request packet listing the missing packets (1.4 KB) every 100 ms for as long as the session lasts (measured: 102 packets, 141 KB in 10 s for one 32-byte packet)',
    result:
      `${run.requests} request packets, ${Math.round(run.outBytes / 1000)} KB in ${run.durationMs / 1000} s (${run.requestsLastHalf} in the last ${run.durationMs / 2000} s): ` +
      `a hole is asked for every 100 ms only within ${GAP_REQUESTS_FAST_FOR_MS / 1000} s of the peer's last new lossless packet, then at the regular 1 s (bounds ${GAP_REQUESTS_BOUND_10S} and ${GAP_REQUESTS_BOUND_LAST_5S})`,
    held: run.requests <= GAP_REQUESTS_BOUND_10S && run.requestsLastHalf <= GAP_REQUESTS_BOUND_LAST_5S,
    figures: { inBytes: run.inBytes, requests: run.requests, outBytes: run.outBytes, requestsLastHalf: run.requestsLastHalf },
  };
}

export async function runNetCryptoReview(crypto: Crypto): Promise<ReviewOutcome[]> {
  return [junkCookieRequestsOutcome(crypto), junkOtherPacketsOutcome(crypto), resendEverythingOutcome(crypto), gapNeverFilledOutcome(crypto)];
}
